"""Southampton Children's Services referral intake service."""
