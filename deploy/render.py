"""Renders deploy/nginx.conf.template into <prefix>/nginx.conf from the environment.

    RASA_PORTS=5105,5106 ACTION_PORTS=5155,5156 NGINX_PORT=8080 NGINX_ACTIONS_PORT=8081 \
        python deploy/render.py /tmp/nginx-prefix
"""

from __future__ import annotations

import os
import string
import sys
from pathlib import Path
from typing import Mapping

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


def servers(ports: str) -> str:
    return " ".join(f"server 127.0.0.1:{int(p)} max_fails=1 fail_timeout=10s;" for p in ports.split(","))


def render(prefix: Path, env: Mapping[str, str]) -> Path:
    prefix.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = string.Template(TEMPLATE.read_text()).safe_substitute(
        NGINX_PREFIX=str(prefix),
        NGINX_PORT=str(int(env["NGINX_PORT"])),
        NGINX_ACTIONS_PORT=str(int(env["NGINX_ACTIONS_PORT"])),
        RASA_SERVERS=servers(env["RASA_PORTS"]),
        ACTION_SERVERS=servers(env["ACTION_PORTS"]),
    )
    assert "${" not in text, "a placeholder of the template is not filled in"
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf


if __name__ == "__main__":
    print(render(Path(sys.argv[1]), os.environ))
