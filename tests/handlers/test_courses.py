"""Course lists, one course's offerings, schedules, ambiguity, paging and interest."""

from __future__ import annotations

import pytest

from core.messages import MAX_PAYLOAD_BYTES, Payload
from handlers import courses
from handlers.courses_filter import CourseFilter, short_ref
from tests.handlers.conftest import MakeCtx, all_buttons, press, text_of, und
from tests.handlers.fakes import FakeStore


async def test_course_info_lists_offerings_with_dates_seats_and_status(make_ctx: MakeCtx) -> None:
    replies = await courses.course_info(make_ctx(), und("course_info", branch="barista"))
    text = text_of(replies)
    assert "Barista" in text
    assert "Yiyecek İçecek Hizmetleri" in text
    assert "120 saat" in text
    assert "16" in text
    assert "2 Aralık Çarşamba başlıyor" in text
    assert "Pazartesi ve Çarşamba, saat 18.30–21.30" in text
    assert "12 kişilik yer kaldı." in text  # capacity 16, 4 taken
    assert "Kontenjan dolu — yedek listeye başvurabilirsiniz." in text
    assert "Başvurular 5 Aralık'ta açılıyor." in text
    assert "Kurs başladı" in text  # Özdere's class is running
    data = [d for _, d in all_buttons(replies)]
    assert "apply|brs-buca" in data
    assert "apply|brs-halk" in data  # full: the waiting list is still open
    assert not any(d.endswith("brs-ksk") or d.endswith("brs-ozd") for d in data)
    labels = [label for label, _ in all_buttons(replies)]
    assert "Başvur: Buca, 2 Ara" in labels


async def test_course_info_soonest_first_and_cancelled_hidden(make_ctx: MakeCtx) -> None:
    replies = await courses.course_info(
        make_ctx(), und("course_info", branch="python-ile-programlama")
    )
    text = text_of(replies)
    assert "Çiğli" not in text  # its course was cancelled
    assert "Karşıyaka" in text


async def test_women_only_and_age_notes(make_ctx: MakeCtx) -> None:
    text = text_of(await courses.course_info(make_ctx(), und("course_info", branch="pastacilik")))
    assert text.count("Kadınlara özel") == 1  # the flag and the staff note say it once
    excel = text_of(await courses.course_info(make_ctx(), und("course_info", branch="ileri-excel")))
    assert "15–29 yaş." in excel


async def test_schedule_gives_first_session_with_turkish_date(make_ctx: MakeCtx) -> None:
    replies = await courses.course_schedule(
        make_ctx(), und("course_schedule", branch="barista", district="Buca")
    )
    text = text_of(replies)
    assert "İlk ders: 2 Aralık Çarşamba, 18.30" in text
    assert "Halkapınar" not in text  # Buca's offering only
    assert "Başka yer ve saatlerde 3 kurs daha var." in text
    assert ("Tüm tarihler", "crs|barista|s") in all_buttons(replies)


async def test_place_without_offering_says_so_and_shows_others(make_ctx: MakeCtx) -> None:
    replies = await courses.course_info(
        make_ctx(), und("course_info", branch="barista", district="Bornova")
    )
    text = text_of(replies)
    assert "Bornova'da şu an planlı bir Barista kursu yok." in text
    assert "Buca Kurs Merkezi" in text
    assert ("Açılınca haber ver", "int|barista|Bornova") in all_buttons(replies)


async def test_ambiguous_branch_asks_which_one(make_ctx: MakeCtx) -> None:
    u = und(
        "course_info",
        branch=None,
        candidates=("gazalti-kaynakciligi", "elektrik-ark-kaynakciligi", "argon-tig-kaynakciligi"),
        district="Bornova",
    )
    replies = await courses.course_info(make_ctx(), u)
    assert "Hangisini" in replies[0].text
    assert all_buttons(replies) == [
        ("Gazaltı Kaynakçılığı", "crs|gazalti-kaynakciligi|dBornova"),
        ("Elektrik Ark Kaynakçılığı", "crs|elektrik-ark-kaynakciligi|dBornova"),
        ("Argon (TIG) Kaynakçılığı", "crs|argon-tig-kaynakciligi|dBornova"),
    ]
    chosen = await courses.on_course(make_ctx(), press("crs|gazalti-kaynakciligi|dBornova"))
    assert "Evka 4 Kurs Merkezi" in text_of(chosen)
    assert "14 Aralık Pazartesi başlıyor" in text_of(chosen)


async def test_clear_best_guess_does_not_ask(make_ctx: MakeCtx) -> None:
    replies = await courses.course_info(
        make_ctx(), und("course_info", branch="barista", candidates=("barista",))
    )
    assert "Hangisini" not in text_of(replies)


async def test_nothing_planned_offers_interest_and_saves_it(
    make_ctx: MakeCtx, store: FakeStore
) -> None:
    replies = await courses.course_info(
        make_ctx(), und("course_info", branch="aricilik", district="Urla")
    )
    assert "Şu an planlanmış bir Arıcılık kursu yok." in replies[0].text
    assert ("Açılınca haber ver", "int|aricilik|Urla") in all_buttons(replies)
    saved = await courses.on_interest(make_ctx(), press("int|aricilik|Urla"))
    assert store.interests == [("telegram:42", "aricilik", "Urla")]
    assert "Urla'da Arıcılık kursu açıldığında size haber vereceğim" in saved[0].text
    again = await courses.on_interest(make_ctx(), press("int|aricilik|Urla"))
    assert "zaten listedesiniz" in again[0].text


async def test_overview_groups_fields_with_counts(make_ctx: MakeCtx) -> None:
    replies = await courses.list_courses(make_ctx(), und("list_courses"))
    buttons = all_buttons(replies)
    # 11 Karşıyaka courses, 3 barista, pastacılık, excel, gazaltı; cancelled and started ones out
    assert "17 kurs" in replies[0].text
    assert ("Yiyecek İçecek Hizmetleri (5)", "pg|1|fyiyecek-icecek-hizmetleri") in buttons
    assert buttons[0][0].startswith("Yiyecek İçecek Hizmetleri")  # busiest first


async def test_field_lists_its_branches_starting_soon_first(make_ctx: MakeCtx) -> None:
    u = und("list_courses", field="bilisim-teknolojileri")
    replies = await courses.list_courses(make_ctx(), u)
    buttons = all_buttons(replies)
    assert buttons[0] == ("Bilgisayar İşletmenliği (1)", "crs|bilgisayar-isletmenligi")
    assert ("İleri Excel (1)", "crs|ileri-excel") in buttons
    assert buttons[-1] == ("Daha fazla", "pg|2|fbilisim-teknolojileri")
    assert len(buttons) == 11  # ten items and "Daha fazla"
    page2 = await courses.on_page(make_ctx(), press(buttons[-1][1]))
    assert page2[0].replace_previous
    assert "Sayfa 2/2" in page2[0].text


async def test_district_list_pages(make_ctx: MakeCtx) -> None:
    replies = await courses.list_courses(make_ctx(), und("list_courses", district="Karşıyaka"))
    assert "Karşıyaka'da yakında başlayacak 12 kurs var" in replies[0].text
    assert "Sayfa 1/2" in replies[0].text
    more = all_buttons(replies)[-1]
    assert more == ("Daha fazla", "pg|2|dKarşıyaka")
    page2 = await courses.on_page(make_ctx(), press(more[1]))
    text = page2[0].text
    assert "Sayfa 2/2" in text
    assert "Mülakat Teknikleri" in text
    assert "Barista" in text
    assert "Bilgisayar İşletmenliği" not in text
    assert "11 Ocak Pazartesi, 09.30 (Salı, Perşembe)" in text
    assert page2[0].replace_previous
    assert ("Barista", "crs|barista|ckarsiyaka") in all_buttons(page2)


async def test_time_filters(make_ctx: MakeCtx) -> None:
    evening = await courses.list_courses(
        make_ctx(), und("list_courses", time_of_day="evening", weekdays=("tue",))
    )
    assert "İleri Excel" in evening[0].text
    assert "akşam" in evening[0].text
    weekend = await courses.list_courses(make_ctx(), und("list_courses", weekend=True))
    names = [label for label, _ in all_buttons(weekend)]
    assert names == ["Barista (Konak)", "Gazaltı Kaynakçılığı (Bornova)"]
    nothing = await courses.list_courses(
        make_ctx(), und("list_courses", district="Urla", time_of_day="morning")
    )
    assert "bulamadım" in nothing[0].text
    assert "Urla" in nothing[0].text


async def test_list_with_branch_answers_about_the_branch(make_ctx: MakeCtx) -> None:
    replies = await courses.list_courses(make_ctx(), und("list_courses", branch="barista"))
    assert "2 Aralık Çarşamba başlıyor" in text_of(replies)


async def test_info_page_out_of_range_is_answered_politely(make_ctx: MakeCtx) -> None:
    flt = CourseFilter(branch="barista")
    args = flt.to_args("pg", "2")
    assert args == ("2", "bbarista")
    replies = await courses.on_page(make_ctx(), Payload("pg", args))
    assert "Bu liste değişmiş" in replies[0].text  # four offerings fit on one page


@pytest.mark.parametrize(
    "data",
    [
        "crs|no-such-branch",
        "crs",
        "crs|barista|zzz",
        "crs|barista|cno-such-centre",
        "pg|99",
        "pg|0",
        "pg|abc",
        "pg|1|fno-such-field",
        "pg|1|dAtlantis",
        "pg|1|w9",
        "pg|1|tq",
        "int",
        "int|no-such-branch",
        "int|barista|x|y",
    ],
)
async def test_stale_or_forged_buttons_are_answered_politely(
    make_ctx: MakeCtx, store: FakeStore, data: str
) -> None:
    action = data.split("|")[0]
    handler = courses.router.buttons[action]
    replies = await handler(make_ctx(), press(data))
    assert replies
    assert replies[0].text
    assert "Traceback" not in replies[0].text
    assert store.interests == []


async def test_forged_interest_district_is_dropped(make_ctx: MakeCtx, store: FakeStore) -> None:
    await courses.on_interest(make_ctx(), press("int|barista|<script>"))
    assert store.interests == [("telegram:42", "barista", None)]


def test_filter_round_trips_and_fits(make_ctx: MakeCtx) -> None:
    catalog = make_ctx().catalog
    flt = CourseFilter(
        field="endustriyel-otomasyon-teknolojileri",
        center="dijital-genclik-merkezi",
        time_of_day="evening",
        weekdays=("tue", "sat"),
        weekend=False,
        relative_date="next_month",
    )
    args = flt.to_args("pg", "12")
    assert args is not None
    raw = Payload("pg", args).encode()
    assert len(raw.encode()) <= MAX_PAYLOAD_BYTES
    decoded = Payload.decode(raw)
    assert decoded is not None
    assert CourseFilter.from_args(decoded.args[1:], catalog) == flt
    assert short_ref("dijital-genclik-merkezi") in raw  # long ids were shortened to fit


async def test_every_button_payload_decodes_and_fits(make_ctx: MakeCtx) -> None:
    calls = [
        courses.list_courses(make_ctx(), und("list_courses")),
        courses.list_courses(make_ctx(), und("list_courses", district="Karşıyaka")),
        courses.list_courses(make_ctx(), und("list_courses", field="metal-teknolojisi")),
        courses.course_info(make_ctx(), und("course_info", branch="barista")),
        courses.course_schedule(make_ctx(), und("course_schedule", branch="barista")),
    ]
    for call in calls:
        for _, data in all_buttons(await call):
            assert len(data.encode()) <= MAX_PAYLOAD_BYTES
            assert Payload.decode(data) is not None


async def test_field_without_branch_lists_the_field(make_ctx: MakeCtx) -> None:
    replies = await courses.course_info(
        make_ctx(), und("course_info", field="muhasebe-ve-finansman")
    )
    assert "Muhasebe ve Finansman alanındaki kurslar" in replies[0].text
    assert ("Ön Muhasebe (1)", "crs|on-muhasebe") in all_buttons(replies)


async def test_relative_date_filter(make_ctx: MakeCtx) -> None:
    # Now is Wednesday 25 November: nothing starts before December.
    replies = await courses.list_courses(
        make_ctx(), und("list_courses", relative_date="this_month")
    )
    assert "bulamadım" in replies[0].text
    assert "bu ay" in replies[0].text
    next_week = await courses.list_courses(
        make_ctx(), und("list_courses", relative_date="next_week")
    )
    text = next_week[0].text
    assert "Bilgisayar İşletmenliği" in text  # 1 Aralık
    assert "Almanca" not in text  # 7 Aralık, the week after


async def test_last_application_day_today(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    ctx.now = ctx.now.replace(day=30)  # brs-buca closes on 30 November
    replies = await courses.course_info(ctx, und("course_info", branch="barista", center="buca"))
    assert "Son başvuru bugün." in replies[0].text


async def test_real_understanding_buca_barista_when(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("buca'da barista kursu ne zaman")
    u = ctx.understanding
    replies = await courses.router.intents[u.intent](ctx, u)
    text = text_of(replies)
    assert "Buca Kurs Merkezi" in text
    assert "Halkapınar" not in text
    assert "2 Aralık Çarşamba" in text


async def test_real_understanding_kaynak_asks_which(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("kaynak kursu")
    u = ctx.understanding
    replies = await courses.router.intents[u.intent](ctx, u)
    assert "Hangisini" in replies[0].text
    assert len(all_buttons(replies)) >= 2
    assert all(d.startswith("crs|") for _, d in all_buttons(replies))


async def test_courses_for_disabled_people_get_the_honest_answer(make_ctx: MakeCtx) -> None:
    replies = await courses.list_courses(make_ctx(), und("list_courses", audience="disabled"))
    text = text_of(replies)
    assert "elimde bilgi yok" in text
    assert "ALO 153" in text
    assert "Engelli Bakımı" not in text


async def test_a_course_that_does_not_exist_is_said_plainly(make_ctx: MakeCtx) -> None:
    replies = await courses.course_info(make_ctx(), und("course_info", unknown_course="ehliyet"))
    assert '"ehliyet" diye bir kursumuz yok' in text_of(replies)
