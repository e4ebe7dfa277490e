"""Catalogs for the NLU tests: a small invented Ankara institution and a large generated one."""

from __future__ import annotations

import random
from datetime import date, time

from core.catalog import Branch, Catalog, Center, Course, Field
from storage.sample import load_base_catalog


def ankara_catalog() -> Catalog:
    """Returns another institution's catalog, with names and keywords unlike the İzmir one."""
    fields = [
        Field("sanat-atolyeleri", "Sanat Atölyeleri"),
        Field("havacilik", "Havacılık ve İnsansız Sistemler"),
        Field("iletisim-ve-dil", "İletişim ve Dil"),
        Field("gida-ve-mutfak", "Gıda ve Mutfak Sanatları"),
        Field("dijital-beceriler", "Dijital Beceriler"),
    ]
    rows = [
        ("seramik-atolyesi", "sanat-atolyeleri", "Seramik Atölyesi", "çömlek;çark;kil"),
        ("cam-sanati", "sanat-atolyeleri", "Cam Sanatı", "cam üfleme;vitray"),
        ("ahsap-oyuncak", "sanat-atolyeleri", "Ahşap Oyuncak Yapımı", "oyuncak;ahşap"),
        ("drone-pilotlugu", "havacilik", "Drone Pilotluğu", "drone;dron;iha;insansız hava aracı"),
        ("model-ucak", "havacilik", "Model Uçak Yapımı", "model uçak;aeromodelcilik"),
        ("isaret-dili", "iletisim-ve-dil", "İşaret Dili", "işitme engelli;sessiz iletişim"),
        ("korece", "iletisim-ve-dil", "Korece", "korece;kore dili"),
        ("japonca", "iletisim-ve-dil", "Japonca", "japonca"),
        ("ingilizce-a1", "iletisim-ve-dil", "İngilizce A1", "ingilizce;english"),
        ("ingilizce-b1", "iletisim-ve-dil", "İngilizce B1", "ingilizce konuşma"),
        ("eksi-maya-ekmek", "gida-ve-mutfak", "Ekşi Mayalı Ekmek Yapımı", "ekşi maya;ekmek;fırın"),
        ("vegan-mutfak", "gida-ve-mutfak", "Vegan Mutfak", "vegan;bitkisel beslenme"),
        ("kahve-demleme", "gida-ve-mutfak", "Kahve Demleme Teknikleri", "kahve;filtre kahve"),
        ("podcast", "dijital-beceriler", "Podcast Yapımcılığı", "podcast;ses kaydı;mikrofon"),
        ("siber-guvenlik", "dijital-beceriler", "Siber Güvenlik", "hacker;ağ güvenliği"),
        ("excel-veri", "dijital-beceriler", "Excel ile Veri Analizi", "excel;tablo"),
    ]
    branches = [
        Branch(id=i, field=f, name=n, hours=40, min_age=16, keywords=tuple(k.split(";")))
        for i, f, n, k in rows
    ]
    centers = [
        Center("kizilay", "Kızılay Gençlik Merkezi", "Çankaya", "Kızılay", 39.92, 32.85),
        Center("sincan", "Sincan Kurs Merkezi", "Sincan", "Sincan merkez", 39.97, 32.58),
        Center("etimesgut", "Etimesgut Kurs Merkezi", "Etimesgut", "Etimesgut", 39.95, 32.67),
        Center("ulus", "Ulus Tarihi Han Atölyesi", "Altındağ", "Ulus", 39.94, 32.85),
    ]
    return Catalog(fields=fields, branches=branches, centers=centers)


_SYLLABLES = ("ka", "ra", "sel", "mo", "ti", "ver", "lan", "dor", "pe", "su", "nim", "zer")


def generated_catalog(extra_branches: int, centres: int, courses: int, seed: int = 7) -> Catalog:
    """Returns the sample catalog grown with invented branches, centres and courses."""
    rng = random.Random(seed)
    base = load_base_catalog()
    words = sorted({w for b in base.branches for w in b.name.split() if w.isalpha()})
    branches = list(base.branches)
    for number in range(extra_branches):
        invented = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        name = f"{invented} {rng.choice(words)} {rng.choice(words)}"
        keywords = (invented.lower(), f"{rng.choice(words).lower()} {invented.lower()}")
        field = rng.choice(base.fields).id
        branches.append(Branch(f"uretilen-{number}", field, name, 40, 16, keywords))
    centers = list(base.centers)
    for number in range(centres):
        name = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        centre = base.centers[number % len(base.centers)]
        centers.append(
            Center(f"merkez-{number}", f"{name} Kurs Merkezi", centre.district, "", 38.4, 27.1)
        )
    course_list = [
        Course(
            id=f"kurs-{number}",
            branch=rng.choice(branches).id,
            center=rng.choice(centers).id,
            capacity=20,
            starts_on=date(2026, 12, 1),
            ends_on=date(2027, 2, 26),
            weekdays=("mon", "wed"),
            start_time=time(18, 30),
            end_time=time(21, 30),
        )
        for number in range(courses)
    ]
    return Catalog(base.fields, branches, centers, course_list)
