"""Messages in Southampton's most spoken languages after English (``nlp.languages``): the
language is recognised, danger now is found, and calm questions and English are left alone."""

from __future__ import annotations

import time
from typing import Dict, List

import pytest

from nlp.languages import LANGUAGES, danger_in, fold, language_of

# For each language: messages that describe danger now (some misspelt, lowercase or without
# accents, as people type in a hurry), and calm messages or questions that do not.
DANGER: Dict[str, List[str]] = {
    "pl": [
        "moj maz bije dziecko teraz",
        "Mój mąż bije dziecko, proszę o pomoc",
        "on ma noz i grozi ze zabije dzieci",
        "dziecko nie oddycha!!",
        "Ratunku, jakiś facet wciąga dziewczynkę do samochodu",
        "ojciec dusi syna, szybko",
        "pomocy moja corka krwawi",
        "sasiad wlasnie teraz katuje swojego synka",
    ],
    "ro": [
        "Soțul meu bate copilul acum!",
        "sotul meu bate copilul acum",
        "are un cutit si spune ca o sa ii omoare pe copii",
        "copilul nu respira, ajutor",
        "un barbat a bagat o fetita in masina cu forta",
        "vecinul loveste baiatul chiar acum, sunati la politie",
        "bebelusul nu se mai misca",
    ],
    "pt": [
        "ajuda o meu filho",
        "O meu marido está a bater no meu filho agora",
        "ele tem uma faca e diz que vai matar as crianças",
        "o bebé não está a respirar",
        "socorro meu vizinho esta espancando a filha dele",
        "puxaram uma menina para dentro de um carro",
        "minha filha esta sangrando muito, chamem a ambulancia",
    ],
    "es": [
        "Mi esposo le está pegando a mi hijo ahora mismo",
        "mi marido esta pegando al niño",
        "tiene un cuchillo y dice que va a matar a los niños",
        "el bebe no respira, ayuda!",
        "secuestraron a mi hija",
        "socorro, lo estan ahorcando",
        "hay fuego en la casa y los niños están dentro",
    ],
    "el": [
        "Ο άντρας μου χτυπάει το παιδί τώρα",
        "ο αντρας μου χτυπαει το παιδι τωρα",
        "Έχει μαχαίρι και λέει ότι θα σκοτώσει τα παιδιά",
        "Το μωρό δεν αναπνέει! Βοήθεια!",
        "κάποιος τραβάει ένα κορίτσι μέσα σε ένα αυτοκίνητο",
        "Καλέστε την αστυνομία, τον πνίγει",
    ],
    "bg": [
        "Мъжът ми бие детето сега",
        "Има нож и казва, че ще убие децата",
        "Бебето не диша, помощ!",
        "Някой отвлече дъщеря ми",
        "съседът души момчето, обадете се на полиция",
        "Помогнете! Той удря сина ми в момента",
        "мъжът ми бие детето сега и то плаче",
    ],
    "ar": [
        "زوجي يضرب ابني الآن",
        "معه سكين ويقول انه سيقتل الاطفال",
        "الطفل لا يتنفس! النجدة",
        "خطفوا بنتي",
        "ساعدوني جاري يخنق ابنه",
        "في حريق في البيت والاولاد جوا",
        "زوجى بيضرب الولد دلوقتى",
    ],
    "fa": [
        "شوهرم داره بچه رو میزنه",
        "چاقو داره و میگه بچه‌ها رو میکشه",
        "بچه نفس نمیکشه! کمک",
        "یه مرد دختر همسایه رو به زور سوار ماشین کرد",
        "خونه آتیش گرفته و بچه‌ها داخلن",
        "کمک! همسرم داره بچمو خفه میکنه",
        "همسایه الان داره پسرش رو کتک میزنه",
    ],
    "zh": [
        "我老公正在打孩子",
        "他拿着刀说要杀了孩子们",
        "宝宝没有呼吸了！救命",
        "有人把一个小女孩拉上车了",
        "快报警，邻居在打他儿子",
        "孩子掉进水里了",
        "我先生現在在打我女兒",
    ],
}

CALM: Dict[str, List[str]] = {
    "pl": [
        "Jak mogę zgłosić problem dotyczący dziecka sąsiada?",
        "Jaki numer mam zadzwonić?",
        "W zeszłym tygodniu widziałam siniaki na ręce dziewczynki",
        "Co się dzieje po zgłoszeniu?",
        "sasiad czesto krzyczy na dzieci, martwie sie",
    ],
    "ro": [
        "Cum pot face o sesizare despre copilul vecinilor?",
        "Ce număr trebuie să sun?",
        "Am văzut vânătăi pe mâna fetiței săptămâna trecută",
        "ce se intampla dupa ce fac o sesizare?",
    ],
    "pt": [
        "Como posso denunciar uma preocupação sobre o filho do vizinho?",
        "Qual é o número para ligar?",
        "Vi nódoas negras no braço dela na semana passada",
        "o que acontece depois de fazer uma denuncia?",
    ],
    "es": [
        "¿Cómo puedo reportar una preocupación sobre el hijo de mi vecino?",
        "¿Qué número tengo que llamar?",
        "La semana pasada vi moretones en el brazo de la niña",
        "que pasa despues de hacer una denuncia",
    ],
    "el": [
        "Πώς μπορώ να αναφέρω μια ανησυχία για το παιδί του γείτονα;",
        "Ποιον αριθμό πρέπει να καλέσω;",
        "Την περασμένη εβδομάδα είδα μελανιές στο χέρι της",
        "τι γινεται μετα την αναφορα;",
    ],
    "bg": [
        "Как мога да подам сигнал за детето на съседите?",
        "На кой номер да се обадя?",
        "Миналата седмица видях синини по ръцете на детето",
        "Какво се случва след сигнала?",
    ],
    "ar": [
        "كيف أبلغ عن قلق بخصوص طفل جاري؟",
        "ما هو الرقم الذي يجب أن أتصل به؟",
        "رأيت كدمات على ذراع الطفلة الأسبوع الماضي",
        "ماذا يحدث بعد الإحالة؟",
    ],
    "fa": [
        "چطور می‌تونم درباره بچه همسایه گزارش بدم؟",
        "باید به چه شماره‌ای زنگ بزنم؟",
        "هفته پیش روی دست بچه کبودی دیدم",
        "بعد از گزارش چه اتفاقی میفته؟",
    ],
    "zh": [
        "我怎么举报邻居孩子的问题？",
        "我应该打什么电话？",
        "上周我看到她手臂上有淤青",
        "转介之后会发生什么？",
    ],
}

# English, however short, with foreign names and words, and things that are not words at all.
ENGLISH = [
    "no",
    "No.",
    "idk",
    "ok",
    "OK 👍",
    "yes",
    "Yes please",
    "hi",
    "thanks",
    "SO14 0JG",
    "so16 4xx",
    "07400 123456",
    "+44 7400 123456",
    "👍",
    "🙏🙏😢",
    "?",
    "15",
    "Kasia",
    "Łukasz Nowak",
    "Mohammed Al-Rashid",
    "Maria da Silva",
    "Ana de la Cruz",
    "Ștefan Popescu",
    "Mrs Papadopoulos next door",
    "Her name is Zofia Wiśniewska",
    "José García lives at 14 Portswood Road",
    "they're Portuguese, the boy is called João",
    "My neighbour is Polish and she doesn't speak much English",
    "The family speak Romanian at home",
    "he's from Iran and speaks Farsi",
    "I think the mum is from Bulgaria",
    "she said 'nie' and ran off",
    "her dad keeps shouting 'ayuda' at her",
    "the little one calls him tata",
    "he's hitting her right now",
    "the baby isn't breathing",
    "what happens after a referral?",
    "I want to report a concern about a child at my school",
    "my son is 5",
    "is smacking your child abuse?",
    "can you help me",
    "not sure",
    "skip",
    "go back",
    "police",
    "help",
    "999",
    "we had tapas and sangria at a place on Bedford Place",
    "the Chinese takeaway on Shirley Road",
    "bruises on her arm last week",
    "Dear Sir or Madam, I am writing to raise a concern about a pupil",
]


def _cases(table: Dict[str, List[str]]) -> List[tuple]:
    return [(language, text) for language, texts in table.items() for text in texts]


def test_every_language_has_its_examples():
    assert set(DANGER) == set(CALM) == set(LANGUAGES)
    for language in LANGUAGES:
        assert len(DANGER[language]) >= 4, language
        assert len(CALM[language]) >= 3, language
    assert len(ENGLISH) >= 30


@pytest.mark.parametrize(("language", "text"), _cases(DANGER) + _cases(CALM))
def test_the_language_is_recognised(language, text):
    assert language_of(text) == language, text


@pytest.mark.parametrize(("language", "text"), _cases(DANGER))
def test_danger_now_is_found(language, text):
    found = danger_in(text, language)
    assert found, text
    assert all(word and word in text for word in found), found
    # Without the language, it is recognised first.
    assert danger_in(text) == found


@pytest.mark.parametrize(("language", "text"), _cases(CALM))
def test_calm_messages_and_questions_are_not_danger(language, text):
    assert danger_in(text, language) == (), text


@pytest.mark.parametrize("text", ENGLISH)
def test_english_and_non_words_have_no_language(text):
    assert language_of(text) is None, text
    assert danger_in(text) == ()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Pomocy!", "pl"),
        ("ratunku", "pl"),
        ("socorro", "pt"),
        ("ajutor", "ro"),
        ("¡ayuda!", "es"),
        ("救命", "zh"),
        ("النجدة", "ar"),
        ("کمک", "fa"),
        ("Βοήθεια!", "el"),
        ("Помощ!", "bg"),
    ],
)
def test_a_one_word_cry_for_help_is_recognised_and_is_danger(text, language):
    assert language_of(text) == language
    assert danger_in(text, language)


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Mój syn nie wraca do domu, call police", "police"),
        ("¿Dónde está mi hija? help me", "help me"),
        ("Zadzwoniłam na 999, on ciągle krzyczy", "999"),
        ("我不知道怎么办 police", "police"),
    ],
)
def test_english_emergency_words_inside_a_foreign_message_count(text, english):
    assert language_of(text) is not None
    assert english in danger_in(text)


def test_english_is_never_read_with_a_foreign_lexicon():
    assert danger_in("he has a knife") == ()
    assert danger_in("he has a knife", "en") == ()


def test_an_unaccented_spelling_reads_like_the_accented_one():
    assert fold("Mój MĄŻ bije") == "moj maz bije"
    assert danger_in("MÓJ MĄŻ BIJE DZIECKO TERAZ") == ("BIJE", "TERAZ")
    assert danger_in("moj maz bije dziecko teraz") == ("bije", "teraz")


@pytest.mark.parametrize(
    "text",
    [
        "میرا شوہر بچے کو مار رہا ہے",  # Urdu
        "子供が泣いています",  # Japanese
        "아이가 울고 있어요",  # Korean
        "Mon mari frappe mon enfant maintenant",  # French
        "Mein Mann schlägt das Kind jetzt",  # German
    ],
)
def test_other_languages_are_not_taken_for_ours(text):
    assert language_of(text) is None


def test_persian_and_arabic_are_told_apart():
    assert language_of("من نمی‌دونم باید چیکار کنم") == "fa"
    assert language_of("لا أعرف ماذا أفعل") == "ar"
    # Persian typed on an Arabic keyboard (ي, ك) is still Persian.
    assert language_of("شوهرم بچه رو ميزنه") == "fa"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Мой муж бьёт ребёнка сейчас", "bg"),  # Russian
        ("ребенок не дышит", "bg"),
        ("Помогите!", "bg"),
        ("Мій чоловік б'є дитину зараз", "bg"),  # Ukrainian
    ],
)
def test_russian_and_ukrainian_are_read_with_the_bulgarian_lexicon(text, language):
    assert language_of(text) == language
    assert danger_in(text)


@pytest.mark.parametrize(
    "text",
    ["Μαρία Παπαδοπούλου", "李伟", "王小明", "Мария Иванова", "فاطمة", "محمد رضایی"],
)
def test_a_name_in_another_script_is_not_a_message_in_that_language(text):
    assert language_of(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [("你好", "zh"), ("γεια σας", "el"), ("здравейте", "bg"), ("مرحبا", "ar"), ("سلام", "fa")],
)
def test_a_greeting_is_recognised(text, language):
    assert language_of(text) == language
    assert danger_in(text) == ()


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("POMOCYYYY", "POMOCYYYY"),
        ("socorrooo", "socorrooo"),
        ("ayudaaaa", "ayudaaaa"),
        ("dziecko nie oddychaaa!!!", "nie oddychaaa"),
        ("synek się topi w stawie", "się topi"),
        ("Моят син се дави", "се дави"),
    ],
)
def test_a_cry_typed_in_a_hurry_or_in_another_word_order_is_found(text, word):
    assert word in danger_in(text)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("dziękuję za pomoc", "pl"),
        ("mulțumesc pentru ajutor", "ro"),
        ("muito obrigada pela ajuda", "pt"),
        ("hola, necesito ayuda", "es"),
        ("ευχαριστώ για τη βοήθεια", "el"),
        ("благодаря за помощта", "bg"),
        ("شكرا على المساعدة", "ar"),
        ("ممنون از کمکتون", "fa"),
        ("谢谢你的帮助", "zh"),
    ],
)
def test_thanks_for_the_help_and_i_need_help_are_not_cries_for_help(text, language):
    assert language_of(text) == language
    assert danger_in(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        "Chcę pomóc dziecku sąsiadów",
        "Policja była u nich w zeszłym tygodniu przez dziecko",
        "vreau să ajut copilul vecinilor",
        "Poliția a venit săptămâna trecută pentru copil",
        "quero ajudar o filho da vizinha",
        "A polícia já veio cá na semana passada por causa da criança",
        "quiero ayudar al hijo de mi vecina",
        "La policía vino la semana pasada por el niño",
        "Η αστυνομία ήρθε την περασμένη εβδομάδα για το παιδί",
        "Полицията идва миналата седмица заради детето",
        "أريد أن أساعد طفل الجيران",
        "الشرطة جاءت الأسبوع الماضي بسبب الطفل",
        "میخوام به بچه همسایه کمک کنم",
        "پلیس هفته پیش به خاطر بچه اومد",
        "我想帮助邻居的孩子",
        "警察上周因为孩子来过",
    ],
)
def test_wanting_to_help_a_child_or_the_police_having_come_is_not_danger_now(text):
    assert language_of(text) is not None
    assert danger_in(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        "abuse",
        "physical abuse meaning",
        "violence",
        "attack",
        "pistol",
        "urgent",
        "suicidal",
        "overdose",
        "molested",
        "tapas",
        "sangria",
        "gracias",
        "El Niño",
        "Real Madrid",
        "la la la",
        "tel:999",
    ],
)
def test_english_words_that_look_foreign_are_english(text):
    assert language_of(text) is None


# Not a speed goal (those are measured under bench/): a bound far above the few milliseconds these
# take, so a loaded machine never fails them, and far below what a backtracking regular
# expression takes on them (seconds to hours).
BACKTRACKING = 2.0


def _seconds(text: str, language: str) -> float:
    """The best of three timings of reading ``text`` (a garbage collection can land in one)."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        danger_in(text, language_of(text) or language)
        timings.append(time.perf_counter() - start)
    return min(timings)


def test_a_long_message_is_read_quickly():
    text = (
        "Mój mąż znowu krzyczy na dzieci i nie wiem co robić, sąsiedzi też słyszą, "
        "see https://example.org/a/b or write to jan.kowalski@example.org "
        * 40
        + "a a a a a a a a a a " * 100
        + "nie nie nie " * 100
    )[:5000]
    assert len(text) == 5000
    assert _seconds(text, "pl") < BACKTRACKING


@pytest.mark.parametrize(
    ("word", "language"),
    [
        ("ą", "pl"),
        ("ów", "pl"),
        ("nóż", "pl"),
        ("ação", "pt"),
        ("não ", "pt"),
        ("violează", "ro"),
        ("μαχαίρι", "el"),
        ("нож", "bg"),
        ("打孩子", "zh"),
        ("快来", "zh"),
        ("قتل", "ar"),
        ("لگد", "fa"),
        ("x", "pl"),
    ],
)
def test_one_word_five_thousand_characters_long_is_read_quickly(word, language):
    # The same word over and over, with and without spaces: no regular expression backtracks
    # its way into seconds.
    for text in ((word * 5000)[:5000], ((word + " ") * 5000)[:5000]):
        assert _seconds(text, language) < BACKTRACKING, (word, language)


@pytest.mark.parametrize(
    "text",
    [
        # "Last month the neighbour hit his son; now it is calm and the boy is safe."
        "W zeszłym miesiącu sąsiad uderzył syna, teraz jest spokój i chłopiec jest bezpieczny",
        # "The father hit the child last week, but now he has left and they are fine."
        "el padre pegó al niño la semana pasada pero ahora se fue y están bien",
        # "Her stepfather beat her, but he was arrested and now she is with her grandmother."
        "o padrasto bateu nela, mas foi preso e agora ela está bem com a avó",
        # "He hit the children last year, now he has moved out and they sleep peacefully."
        "Anul trecut a lovit copiii, acum s-a mutat și ei sunt bine",
        # "My uncle used to beat his son; now he has moved and the children are fine."
        "عمي كان يضرب ابنه، والآن انتقل والأولاد بخير",
        # "He hit the child, now he has left and everything is calm."
        "Той удари детето, сега си тръгна и е спокойно",
    ],
)
def test_harm_that_is_over_with_now_and_calm_is_not_danger(text):
    assert danger_in(text) == (), danger_in(text)


@pytest.mark.parametrize(
    "text",
    [
        # "She is not fine, he is hitting her now."
        "ella no está bien, él le está pegando ahora",
        # "It is not calm, he is beating the child now!"
        "nie jest spokojnie, on bije dziecko teraz!",
        # "He left, but came back with a knife."
        "se fue pero volvió con un cuchillo",
        # "He has just hit the boy, it isn't over." ("acabou de": has just)
        "ele acabou de bater no menino",
        # "He says that in half an hour he will finish her off."
        "ele diz que daqui a meia hora vai acabar com ela",
        # "Her father says he will come in 20 minutes to hit the children."
        "su padre dice que en 20 minutos viene a pegar a los niños",
    ],
)
def test_danger_now_beside_a_word_of_calm_that_is_negated_or_a_weapon_is_still_danger(text):
    assert danger_in(text)
