"""Word sense before keywords, negation, lists, several questions, audiences, unknown courses,
notices and "near": each test is named after what went wrong before."""

from __future__ import annotations

import pytest

from core.intents import COURSE_QUESTION, Intent
from nlu import CatalogIndex, understand


@pytest.mark.parametrize(
    "text",
    [
        "online kurs var mı",
        "kursta internet var mi",
        "internetten başvuru yapabilir miyim",
        "bugün hastayım gelemeyeceğim",
        "annem hasta derse gelemiyorum",
        "izin hakkı var mı",
        "servis var mı",
        "kursa gelmek için servis var mı",
        "kabul ediyorum",
        "kadınlara özel kurs var mı",
        "yabancılar katılabilir mi",
        "engelliler için kurs var mı",
        "kimlik kartı yeterli mi",
        "free courses",
        "telefon numaranız nedir",
        "ilk dersi ne zaman",
        "uzaktan eğitim var mı",
        "evden online katılabilir miyim",
        "yabancı uyruklu eşim katılabilir mi",
    ],
)
def test_an_everyday_word_alone_named_a_course(index: CatalogIndex, text: str) -> None:
    result = understand(text, index)
    assert result.branch is None
    assert result.candidates == ()


@pytest.mark.parametrize(
    ("text", "branch"),
    [
        ("internet kursu var mı", "dijital-okuryazarlik"),
        ("ilk yardım kursu", "ilk-yardim"),
        ("ilk yardım sertifikası", "ilk-yardim"),
        ("engelli bakımı kursu ne zaman", "engelli-bakimi"),
        ("telefon tamiri kursu", "cep-telefonu-tamiri"),
        ("hasta bakımı kursu", "hasta-ve-yasli-refakatcisi"),
        ("özel eğitim kursu", "ozel-gereksinimli-cocuklara-destek"),
        ("tüketici hakları kursu", "tuketici-haklari"),
        ("bar kursu var mı", "barmenlik-ve-kokteyl"),
    ],
)
def test_an_everyday_word_bound_to_a_course_word_was_lost(
    index: CatalogIndex, text: str, branch: str
) -> None:
    assert understand(text, index).branch == branch


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("kaç kişilik yer var", ("seats",)),
        ("kontenjan doldu mu", ("seats",)),
        ("hafta sonu olanı var mı", ("days",)),
        ("cumartesi pazar olanı var mı", ("days",)),
        ("adresi neresi", ("where",)),
        ("başka merkezde de var mı bu", ("where",)),
        ("hangi tarihte", ("when",)),
        ("kaç saat sürüyor", ("duration",)),
        ("bu ücretli mi", ("faq_cost",)),
    ],
)
def test_a_follow_up_question_was_not_heard(
    index: CatalogIndex, text: str, asks: tuple[str, ...]
) -> None:
    result = understand(text, index)
    assert result.asks == asks
    assert result.intent != Intent.OUT_OF_SCOPE


def test_the_first_lesson_was_read_as_first_aid(index: CatalogIndex) -> None:
    result = understand("ilk dersi ne zaman", index)
    assert (result.intent, result.asks) == (Intent.COURSE_SCHEDULE, ("when",))


@pytest.mark.parametrize(
    "text", ["telefon numaranız nedir", "merkezin telefonu kaç", "iletişim numarası"]
)
def test_your_phone_number_went_to_a_course(index: CatalogIndex, text: str) -> None:
    result = understand(text, index)
    assert (result.intent, result.asks) == (Intent.CENTER_INFO, ("phone",))


@pytest.mark.parametrize("text", ["cep telefonu tamiri kursu", "telefonum değişti"])
def test_a_phone_course_asks_for_no_phone_number(index: CatalogIndex, text: str) -> None:
    assert "phone" not in understand(text, index).asks


def test_a_busy_line_was_out_of_scope(index: CatalogIndex) -> None:
    result = understand("hattınız hep meşgul kimseye ulaşamıyorum", index)
    assert result.intent == Intent.TALK_TO_HUMAN


def test_i_do_not_want_was_read_as_a_job(index: CatalogIndex) -> None:
    assert understand("boşver istemiyorum artık", index).intent != Intent.EMPLOYMENT


@pytest.mark.parametrize(
    ("text", "branch", "negated"),
    [
        ("bilgisayar işletmenliği değil veri analizi", "veri-analizi", "bilgisayar-isletmenligi"),
        ("fransızca değil italyanca öğrenicem", "italyanca", "fransizca"),
        ("barista yerine pastacılık", "pastacilik", "barista"),
        ("almanca istemiyorum rusça olsun", "rusca", "almanca"),
        ("yok pastacılık değil ekmek yapımı", "ekmek-ve-unlu-mamuller", "pastacilik"),
        ("ön muhasebe değil excel istiyordum", "ileri-excel", "on-muhasebe"),
        ("python olmasın web tasarımı olsun", "web-tasarimi", "python-ile-programlama"),
        ("barista kursu değil pastacılık kursu", "pastacilik", "barista"),
    ],
)
def test_a_negated_course_was_confirmed(
    index: CatalogIndex, text: str, branch: str, negated: str
) -> None:
    result = understand(text, index)
    assert result.branch == branch
    assert negated in result.negated
    assert negated not in result.candidates


def test_a_course_named_only_negated_is_no_branch(index: CatalogIndex) -> None:
    result = understand("kuaförlük istemiyorum", index)
    assert result.branch is None
    assert "kuaforluk" in result.negated


def test_a_question_tag_is_no_negation(index: CatalogIndex) -> None:
    result = understand("pastacılık değil mi bu", index)
    assert (result.branch, result.negated) == ("pastacilik", ())


def test_a_negated_district_was_the_district(index: CatalogIndex) -> None:
    assert understand("buca değil bornova", index).district == "Bornova"


@pytest.mark.parametrize(
    ("text", "branches"),
    [
        (
            "veri analizi ile python kursları ne zaman başlıyo",
            ("veri-analizi", "python-ile-programlama"),
        ),
        ("keman ve gitar kursu", ("keman", "gitar")),
        ("almanca ve rusça kursları nerde var", ("almanca", "rusca")),
        ("hem gitar hem piyano", ("gitar", "piyano")),
        ("almanca, ispanyolca ve italyanca kursları", ("almanca", "ispanyolca", "italyanca")),
    ],
)
def test_only_one_of_several_courses_was_kept(
    index: CatalogIndex, text: str, branches: tuple[str, ...]
) -> None:
    result = understand(text, index)
    assert result.branches == branches
    assert result.branch == branches[0]
    assert not result.ambiguous


def test_alternatives_of_one_phrase_are_no_list(index: CatalogIndex) -> None:
    result = understand("kaynak kursu", index)
    assert len(result.branches) == 1
    assert result.ambiguous


@pytest.mark.parametrize(
    ("text", "intent", "asks"),
    [
        (
            "barista kursu ne zaman başlıyor, nerede, ücretli mi?",
            "course_schedule",
            ("when", "where", "faq_cost"),
        ),
        ("gıda güvenliği kursu nerede ve sertifika var mı", None, ("where", "faq_certificate")),
        ("ileri excel kaç saat sürer ne zaman başlar", None, ("duration", "when")),
        ("pastacılık kaç saat kaç yaşından itibaren alınır", None, ("duration", "age")),
        ("cilt bakımı kursu ücretsiz mi kaç yaş sınırı var", None, ("faq_cost", "age")),
        ("kuaförlük kursu nerede kaç kişilik", None, ("where", "seats")),
        ("bu kurs hangi günler saat kaçta", None, ("days",)),
        (
            "makyaj kursunda sertifika veriliyor mu devamsızlık hakkı ne kadar",
            None,
            ("faq_certificate", "faq_attendance"),
        ),
    ],
)
def test_only_one_of_several_questions_was_heard(
    index: CatalogIndex, text: str, intent: str | None, asks: tuple[str, ...]
) -> None:
    result = understand(text, index)
    assert result.asks == asks
    if intent is not None:
        assert result.intent_name == intent


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("kadınlara özel kurs var mı", "women"),
        ("sadece kadınlar için", "women"),
        ("ev hanımları için kurs var mı", "women"),
        ("gençlere yönelik kurs", "youth"),
        ("15-29 yaş arası için kurs", "youth"),
        ("engelliler için kurs", "disabled"),
        ("engelli bireyler katılabilir mi", "disabled"),
        ("görme engelliyim kurslara katılabilir miyim", "disabled"),
        ("kadınlar katılabilir mi", "women"),
    ],
)
def test_an_audience_was_read_as_a_course(index: CatalogIndex, text: str, audience: str) -> None:
    result = understand(text, index)
    assert result.audience == audience
    assert result.center is None  # "gençlere" names no youth centre
    assert result.intent != Intent.OUT_OF_SCOPE


@pytest.mark.parametrize("text", ["engelli bakımı kursu", "kadın kuaförü kursu", "yaş sınırı"])
def test_a_course_or_a_limit_is_no_audience(index: CatalogIndex, text: str) -> None:
    assert understand(text, index).audience is None


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("ehliyet kursu var mı", "ehliyet"),
        ("ehliyet kursu acilacak mi", "ehliyet"),
        ("pilotluk kursu", "pilotluk"),
        ("yüzme kursu var mı", "yüzme"),
        ("direksiyon kursu", "direksiyon"),
        ("uçak pilotluğu kursu", "uçak pilotluğu"),
    ],
)
def test_a_course_we_lack_got_a_far_fetched_branch(
    index: CatalogIndex, text: str, asked: str
) -> None:
    result = understand(text, index)
    assert (result.branch, result.unknown_course) == (None, asked)
    assert result.intent != Intent.LIST_COURSES


@pytest.mark.parametrize("text", ["forklift kursu", "pastacılk kursu", "brista kursu"])
def test_a_known_course_or_a_typo_is_no_unknown_course(index: CatalogIndex, text: str) -> None:
    result = understand(text, index)
    assert result.branch is not None
    assert result.unknown_course is None


@pytest.mark.parametrize(
    ("text", "branch"),
    [
        ("açılınca haber ver", None),
        ("acilirsa haber ver bana", None),
        ("yeni kurs açılınca bana haber verir misiniz", None),
        ("evet haber verin", None),
        ("yeni dönem başlayınca mesaj atın", None),
        ("barista kursu açılınca bildirir misiniz", "barista"),
    ],
)
def test_notify_me_was_a_schedule_or_a_list(
    index: CatalogIndex, text: str, branch: str | None
) -> None:
    result = understand(text, index)
    assert (result.intent, result.branch) == (Intent.NOTIFY_ME, branch)
    assert result.asks == ()


@pytest.mark.parametrize(
    "text",
    [
        "haber isteklerim",
        "hangi kurslar için haber bekliyorum",
        "bildirim isteğimi sil",
        "bildirim isteklerimi göster",
        "haber verme listesinden çıkar beni",
        "bana haber vermeyin",
    ],
)
def test_my_interests_went_to_a_course_or_the_reminders(index: CatalogIndex, text: str) -> None:
    result = understand(text, index)
    assert (result.intent, result.branch) == (Intent.MY_INTERESTS, None)


@pytest.mark.parametrize(
    ("text", "branch", "district"),
    [
        ("çiğli de oturuyorum yakın excel kursu var mı", "ileri-excel", "Çiğli"),
        ("konak civarında veri analizi kursu var mı", "veri-analizi", "Konak"),
        ("bayraklı civarı bilgisayar işletmenliği kursu", "bilgisayar-isletmenligi", "Bayraklı"),
        ("narlıderede oturuyorum yakınımda giyim üretimi kursu", "giyim-uretimi", "Narlıdere"),
        ("karşıyakada oturuyorum pastacılık kursu var mı", "pastacilik", "Karşıyaka"),
        (
            "torbalıdayım yakınlarda mülakat teknikleri kursu var mı",
            "mulakat-teknikleri",
            "Torbalı",
        ),
    ],
)
def test_a_district_and_a_course_near_was_eligibility_or_a_cancel(
    index: CatalogIndex, text: str, branch: str, district: str
) -> None:
    result = understand(text, index)
    assert (result.intent, result.branch, result.district) == (
        Intent.NEAREST_CENTER,
        branch,
        district,
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("bornovada oturuyorum kurslara katılabilir miyim", "faq_eligibility"),
        ("çiğlide oturuyorum excel kursuna başvurmak istiyorum", "apply"),
        ("izmir dışında oturuyorum katılabilir miyim", "faq_eligibility"),
    ],
)
def test_where_one_lives_without_near_keeps_its_question(
    index: CatalogIndex, text: str, intent: str
) -> None:
    assert understand(text, index).intent_name == intent


def test_the_senses_hold_in_another_catalog(ankara_index: CatalogIndex) -> None:
    youth = understand("gençler için kurs var mı", ankara_index)
    assert (youth.center, youth.audience) == (None, "youth")
    assert understand("kızılay gençlik merkezi nerede", ankara_index).center == "kizilay"
    swap = understand("korece değil japonca", ankara_index)
    assert (swap.branch, swap.negated) == ("japonca", ("korece",))
    both = understand("korece ve japonca kursları ne zaman", ankara_index)
    assert both.branches == ("korece", "japonca")
    near = understand("sincanda oturuyorum yakın drone kursu", ankara_index)
    assert (near.intent, near.district) == (Intent.NEAREST_CENTER, "Sincan")
    assert understand("yüzme kursu var mı", ankara_index).unknown_course == "yüzme"


@pytest.mark.parametrize(
    "text", ["teşekkürler çok tatlısınız", "bugün hastayım gelemeyeceğim", "ben öğrenciyim"]
)
def test_a_word_saying_what_someone_is_names_no_course(index: CatalogIndex, text: str) -> None:
    assert understand(text, index).branch is None


def test_a_several_word_name_typed_whole_beats_loose_words_of_a_rambling_message(
    index: CatalogIndex,
) -> None:
    text = "buca tarafindayim arabalarla ilgileniyorum oto elektrik kursu en yakin nerde"
    assert understand(text, index).branch == "oto-elektrikciligi"


@pytest.mark.parametrize(
    ("text", "branch"),
    [
        ("derslerde kahve molası veriliyor mu", None),
        ("kahve yapmayı öğrenmek istiyorum", "barista"),
        ("kahve kursu var mı", "barista"),
    ],
)
def test_coffee_names_the_barista_course_only_when_learning_it(
    index: CatalogIndex, text: str, branch: str | None
) -> None:
    assert understand(text, index).branch == branch


@pytest.mark.parametrize(
    "text",
    ["pasta yemeyi çok severim", "kahve içmeyi seviyorum", "her sabah çay içiyorum", "tatlı yerim"],
)
def test_food_eaten_or_drunk_was_the_course_that_makes_it(index: CatalogIndex, text: str) -> None:
    result = understand(text, index)
    assert result.branch is None, text
    assert result.candidates == ()


@pytest.mark.parametrize(
    ("text", "branch"),
    [
        ("pasta yapmayı öğrenmek istiyorum", "pastacilik"),
        ("pasta yemeyi severim ama pasta kursu var mı", "pastacilik"),
        ("türk mutfağı yemek kursu", "asci-ciragi"),
        ("ev yemeği kursu", "asci-ciragi"),
    ],
)
def test_making_food_or_a_meal_is_still_the_course(
    index: CatalogIndex, text: str, branch: str
) -> None:
    assert understand(text, index).branch == branch


@pytest.mark.parametrize("text", ["orası tam olarak nerede", "oraya nasıl giderim", "orasi neresi"])
def test_there_was_a_typo_of_a_course_keyword(index: CatalogIndex, text: str) -> None:
    result = understand(text, index)  # "orası" was "oya" (İğne Oyası)
    assert result.branch is None
    assert result.intent is Intent.CENTER_INFO


@pytest.mark.parametrize(
    "text",
    [
        "derslerde kahve molası veriliyor mu",
        "çocuğumu kursa yanımda getirebilir miyim",
        "kursta sigara içilebiliyor mu",
        "kursa laptop getirmem gerekiyor mu",
    ],
)
def test_a_question_that_only_mentions_courses_got_the_list_of_courses(
    index: CatalogIndex, text: str
) -> None:
    result = understand(text, index)
    assert result.intent is Intent.OUT_OF_SCOPE
    assert result.topic == COURSE_QUESTION
    assert result.branch is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("kurs var mı", Intent.LIST_COURSES),
        ("yeni kurs açılacak mı", Intent.LIST_COURSES),
        ("bornovada kurs var mı", Intent.LIST_COURSES),
        ("hafta sonu kurs var mı", Intent.LIST_COURSES),
        ("kurslar ücretli mi", Intent.FAQ),
    ],
)
def test_asking_for_courses_is_no_other_question(
    index: CatalogIndex, text: str, intent: Intent
) -> None:
    assert understand(text, index).intent is intent


@pytest.mark.parametrize(
    "text",
    [
        "yarın diş hekimine gidicem derse gelemiycem",
        "kuaföre gittim",
        "berbere gideceğim",
        "arabayla gelecegim kurs merkezinde otopark var mi",  # how one comes
        "bisikletle gidiyorum",
    ],
)
def test_a_place_or_person_one_goes_to_was_a_course(index: CatalogIndex, text: str) -> None:
    result = understand(text, index)
    assert result.branch is None, text
    assert result.candidates == ()


@pytest.mark.parametrize(
    ("text", "branch"),
    [("kuaförlük kursuna gitmek istiyorum", "kuaforluk"), ("barista kursuna gidiyorum", "barista")],
)
def test_going_to_a_course_is_still_the_course(index: CatalogIndex, text: str, branch: str) -> None:
    assert understand(text, index).branch == branch


@pytest.mark.parametrize(
    "text",
    ["yarın doktora gidicem derse gelemem", "hastaneye gidicem derse gelemem", "gelemiyecem hocam"],
)
def test_i_cannot_come_was_not_heard(index: CatalogIndex, text: str) -> None:
    result = understand(text, index)
    assert "faq_attendance" in result.asks, text
    assert result.intent is not Intent.OUT_OF_SCOPE


@pytest.mark.parametrize(
    "text",
    [
        "doğum günü için pasta siparişi veriyor musunuz",
        "yarın için kuaför randevusu almak istiyorum",
        "arabam bozuldu yakında iyi tamirci biliyon mu",
        "telefonumun ekranı kırıldı nereye götüreyim",
        "kombim arıza yapıyor servis çağırır mısınız",
        "vergi borcumu nasıl öğrenirim",
    ],
)
def test_an_errand_with_a_course_word_was_that_course(index: CatalogIndex, text: str) -> None:
    result = understand(text, index)
    assert result.intent is Intent.OUT_OF_SCOPE, text
    assert result.branch is None
    assert result.candidates == ()


@pytest.mark.parametrize(
    ("text", "intent", "branch"),
    [
        ("bilgisayarım bozuldu başvuruyu telefondan yapabilir miyim", Intent.APPLY, None),
        (
            "bilgisayarımı tamir etmeyi öğrenmek istiyorum",
            Intent.COURSE_INFO,
            "bilgisayar-donanimi-ve-teknik-servis",
        ),
        ("türkçe kursu var mı yardım eder misiniz", Intent.COURSE_INFO, "yabancilar-icin-turkce"),
        ("ilk yardım sertifikası almak istiyorum", Intent.COURSE_INFO, "ilk-yardim"),
        ("mezun oldum iş bulmama yardım edin", Intent.EMPLOYMENT, None),
        ("yardım", Intent.HELP, None),
    ],
)
def test_my_things_and_polite_help_hid_the_request(
    index: CatalogIndex, text: str, intent: Intent, branch: str | None
) -> None:
    result = understand(text, index)
    assert result.intent is intent, text
    assert result.branch == branch


@pytest.mark.parametrize(
    ("text", "earliest"),
    [
        ("en erken başlayan hangisi", True),
        ("ilk açılacak olan hangisi", True),
        ("en yakın merkez", False),
    ],
)
def test_the_earliest_offering_is_asked(index: CatalogIndex, text: str, earliest: bool) -> None:
    assert understand(text, index).earliest is earliest
