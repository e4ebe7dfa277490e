"""Centre details, centres of a district, and the nearest centres to a shared location."""

from __future__ import annotations

from core.conversation import Conversation
from core.messages import MAX_PAYLOAD_BYTES, Kind, Payload
from handlers import centers
from handlers.formatting import haversine_km
from tests.handlers.conftest import MakeCtx, all_buttons, press, text_of, und

NEAR_BUCA = (38.392, 27.180)


async def test_center_info_gives_address_phone_hours_map_and_courses(make_ctx: MakeCtx) -> None:
    replies = await centers.center_info(make_ctx(), und("center_info", center="buca"))
    reply = replies[0]
    assert reply.text.startswith("Buca Kurs Merkezi")
    assert "Adres: Buca merkez" in reply.text
    assert "Telefon: 153" in reply.text
    assert "Çalışma saatleri: Hafta içi 09.00–21.00" in reply.text
    assert "• Barista — 2 Ara" in reply.text
    assert reply.location is not None
    assert (reply.location.lat, reply.location.lon) == (38.388, 27.175)
    assert ("Barista", "crs|barista|cbuca") in all_buttons(replies)


async def test_district_with_several_centres_lists_them(make_ctx: MakeCtx) -> None:
    replies = await centers.center_info(make_ctx(), und("center_info", district="Konak"))
    assert "Konak'ta 3 merkezimiz var" in replies[0].text
    assert [d for _, d in all_buttons(replies)] == [
        "cen|dijital-genclik-merkezi",
        "cen|halkapinar",
        "cen|toros",
    ]


async def test_district_with_one_centre_shows_it(make_ctx: MakeCtx) -> None:
    replies = await centers.center_info(make_ctx(), und("center_info", district="Bornova"))
    assert replies[0].text.startswith("Evka 4 Kurs Merkezi")
    assert replies[0].location is not None


async def test_district_without_centre_asks_for_location(make_ctx: MakeCtx) -> None:
    replies = await centers.center_info(make_ctx(), und("center_info", district="Kiraz"))
    assert "Kiraz'da kurs merkezimiz yok" in replies[0].text
    assert replies[0].ask == "location"


async def test_nearest_asks_for_location_and_remembers_branch(make_ctx: MakeCtx) -> None:
    conv = Conversation(state="apply:ask_name")
    ctx = make_ctx("en yakın barista kursu", conv=conv)
    replies = await centers.nearest_center(ctx, und("nearest_center", branch="barista"))
    assert replies[0].ask == "location"
    assert "Barista" in replies[0].text
    assert conv.data["near_branch"] == "barista"
    assert conv.state == "apply:ask_name"  # the journey in progress is left alone


async def test_shared_location_gives_three_nearest_in_order(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(kind=Kind.LOCATION, lat=NEAR_BUCA[0], lon=NEAR_BUCA[1])
    replies = await centers.on_location(ctx)
    assert len(replies) == 3
    assert replies[0].text.startswith("Size en yakın merkezler:")
    titles = [r.location.title for r in replies if r.location]
    assert titles == [
        "Buca Kurs Merkezi",
        "Toros Sosyal Tesisleri Kurs Merkezi",
        "Dijital Gençlik Merkezi",
    ]
    assert "Buca Kurs Merkezi — 620 m" in replies[0].text
    assert "Toros Sosyal Tesisleri Kurs Merkezi — 3,8 km" in replies[1].text
    spots = [(r.location.lat, r.location.lon) for r in replies if r.location]
    distances = [haversine_km(*NEAR_BUCA, lat, lon) for lat, lon in spots]
    assert distances == sorted(distances)
    assert ("Merkez bilgisi", "cen|buca") in all_buttons(replies)


async def test_shared_location_for_a_branch_gives_centres_offering_it(make_ctx: MakeCtx) -> None:
    conv = Conversation(data={"near_branch": "barista"})
    ctx = make_ctx(kind=Kind.LOCATION, lat=38.47, lon=27.11, conv=conv)  # Karşıyaka
    replies = await centers.on_location(ctx)
    titles = [r.location.title for r in replies if r.location]
    assert titles == ["Karşıyaka Kurs Merkezi", "Halkapınar Kurs Merkezi", "Buca Kurs Merkezi"]
    assert "Barista kursu olan" in replies[0].text
    assert "Sıradaki Barista kursu 11 Oca tarihinde başlıyor." in replies[0].text
    assert ("Kurs tarihleri", "crs|barista|ckarsiyaka") in all_buttons(replies)
    assert "near_branch" not in conv.data  # used once


async def test_location_for_branch_with_no_offering(make_ctx: MakeCtx) -> None:
    conv = Conversation(data={"near_branch": "aricilik"})
    replies = await centers.on_location(
        make_ctx(kind=Kind.LOCATION, lat=NEAR_BUCA[0], lon=NEAR_BUCA[1], conv=conv)
    )
    assert "hiçbir merkezde planlı bir Arıcılık kursu yok" in replies[0].text
    assert ("Açılınca haber ver", "int|aricilik") in all_buttons(replies)
    assert replies[0].location is not None


async def test_location_far_away_is_noted(make_ctx: MakeCtx) -> None:
    replies = await centers.on_location(make_ctx(kind=Kind.LOCATION, lat=41.01, lon=28.97))
    assert "İzmir'in dışında" in replies[0].text


async def test_location_missing_asks_again(make_ctx: MakeCtx) -> None:
    replies = await centers.on_location(make_ctx(kind=Kind.LOCATION))
    assert replies[0].ask == "location"


async def test_center_button_and_stale_center(make_ctx: MakeCtx) -> None:
    ok = await centers.on_center(make_ctx(), press("cen|halkapinar"))
    assert ok[0].text.startswith("Halkapınar Kurs Merkezi")
    gone = await centers.on_center(make_ctx(), press("cen|no-such-centre"))
    assert "bulamadım" in gone[0].text
    forged = await centers.on_center(make_ctx(), press("cen"))
    assert forged[0].text


async def test_near_button_remembers_only_known_branches(make_ctx: MakeCtx) -> None:
    conv = Conversation()
    await centers.on_near(make_ctx(conv=conv), press("near|barista"))
    assert conv.data == {"near_branch": "barista"}
    await centers.on_near(make_ctx(conv=conv), press("near|nope"))
    assert conv.data == {}


async def test_nearest_from_district_text(make_ctx: MakeCtx) -> None:
    replies = await centers.nearest_center(make_ctx(), und("nearest_center", district="Buca"))
    assert replies[0].location is not None
    assert replies[0].location.title == "Buca Kurs Merkezi"


async def test_center_payloads_fit(make_ctx: MakeCtx) -> None:
    replies = await centers.on_location(make_ctx(kind=Kind.LOCATION, lat=38.43, lon=27.16))
    replies += await centers.center_info(make_ctx(), und("center_info", center="karsiyaka"))
    for _, data in all_buttons(replies):
        assert len(data.encode()) <= MAX_PAYLOAD_BYTES
        assert Payload.decode(data) is not None
    assert "Karşıyaka" in text_of(replies)


async def test_a_district_given_alone_shows_no_distance_of_metres(make_ctx: MakeCtx) -> None:
    # The district's middle is not where the user is: "10 m" away would be a made-up figure.
    replies = await centers.nearest_center(make_ctx(), und("nearest_center", district="Buca"))
    text = "\n".join(r.text for r in replies)
    assert " m\n" not in text
    assert "Buca'da" in replies[0].text
    assert "Buca merkezine yaklaşık" in text


async def test_asking_for_the_phone_number_gives_alo_153(make_ctx: MakeCtx) -> None:
    replies = await centers.center_info(make_ctx(), und("center_info", asks=("phone",)))
    assert "ALO 153" in replies[0].text
    assert "Hangi merkezi" not in replies[0].text
