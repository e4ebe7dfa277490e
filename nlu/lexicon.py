"""Generic Turkish vocabulary of the assistant: intent patterns and non-content words.

Nothing here names a course of any catalog, nor a FAQ topic (topics are data: their patterns
are in the FAQ content file, ``locales/faq.tr.yaml``, in the same syntax). A pattern line is
``weight: slot slot ...``; a slot lists alternatives separated by ``|``. Every slot must be
matched by a different word of the message, in any order; a word matches when it is the
listed word or the listed word followed by Turkish suffixes ("başvur" matches "başvurumu",
"başvurabilir"). A body starting with ``^`` needs its slots in that order.
"""

from __future__ import annotations

INTENT_PATTERNS: dict[str, str] = {
    "greeting": """
        0.9: merhaba|merhabalar|selam|selamlar|günaydın|tünaydın|hey|hi|hello|hola|selamun
        0.9: aleykum|selamünaleyküm|slmlar
        0.86: iyi akşamlar|sabahlar
        0.75: iyi günler
        0.8: nasılsın|nasılsınız|haber
        0.86: kolay gelsin
        0.86: iyi çalışmalar|günler|akşamlar
        0.8: start
    """,
    "goodbye": """
        0.92: hoşçakal|hoşçakalın|görüşürüz|bye|güle|allahaısmarladık|baybay|hoşçakalin
        0.9: hoşça kal|kalın
        0.9: kendine|kendinize iyi bak|bakın
        0.88: iyi geceler
        0.88: görüşmek üzere
        0.8: çıkış
        0.9: bay|bye bay|bye
    """,
    "thanks": """
        0.92: teşekkür|teşekkürler|sağol|sağolun|eyvallah|thanks|thank|mersi|eyv|tşk|tesekkurler
        0.9: sağ ol|olun
        0.88: eline|elinize sağlık
        0.9: razı olsun
        0.9: yardımcı oldunuz|oldun|olduğunuz|olduğun
    """,
    "help": """
        0.8: yardım|help|imdat
        0.92: yardım et|edin|eder|edebilir|lazım|istiyorum
        0.9: menü|menu|anamenü
        0.94: ana menü|menü|sayfa
        0.85: başa|baştan dön|başla
        0.9: ne|neler yapabilirsin|yapabiliyorsun|yapabilirsiniz|yapıyorsun|yapabilirim
        0.9: yardımcı olur|olabilir|olursanız|olurmusunuz
        0.75: soru|sorum|sorular|sorularım
        0.86: nasıl kullan|kullanılır|kullanırım|kullanıyorum
        0.86: komutlar|seçenekler|seçenek
        0.75: anlamadım|anlamıyorum
    """,
    "list_courses": """
        0.6: kurs|eğitim|kursa
        0.75: kurslar|eğitimler|dersler
        0.86: ^hangi|ne|neler kurs|eğitim
        0.86: ^kurs|eğitim neler|hangileri|nelerdir
        0.78: kurs|eğitim var|açık|mevcut|açılan|açılacak
        0.9: kurs|kurslar liste|listesi|listele
        0.9: tüm|bütün|hepsi kurs|kurslar|eğitim
        0.72: neler var
        0.7: liste|listele
        0.86: kurs|eğitim ara|arıyorum|bak|bakıyorum
        0.82: hangi alan|alanlar|bölüm|bölümler
        0.75: yeni|başka|diğer kurs
    """,
    "course_info": """
        0.6: nedir
        0.85: nereden başla|başlamalıyım|başlayabilirim
        0.78: hakkında|ilgili bilgi|detay
        0.72: bilgi|detay|detaylı|ayrıntı|ayrıntılı
        0.86: kaç saat|ay|hafta|gün sürer|sürüyor|süre|sürecek
        0.82: süre|süresi|sürüyor|sürer|sürecek
        0.8: kaç saat|saatlik
        0.78: içerik|müfredat|konular|öğretiliyor
        0.84: kontenjan|kontenjanı|kapasite|kapasitesi
        0.84: kaç kişi|kişilik
        0.82: yer|boş kaldı|kalmış|kalmadı|var
        0.8: doldu|dolmuş|dolu mu|mi
    """,
    "course_schedule": """
        0.8: ne zaman
        0.86: ne zaman başla|açıl|başlar|açılacak
        0.8: başla|başlıyor|başlayacak|başladı|başlar|başlangıç|başlama
        0.8: saat|saatler|kaçta|saatte
        0.9: ^saat kaçta|kaç|kaçtan
        0.86: hangi gün|günler|saat|saatler|saatte
        0.8: takvim|tarih|tarihler|dönem
        0.76: günleri|günler
        0.7: hafta sonu|içi
        0.7: haftasonu|haftaiçi
        0.88: hafta|haftada kaç gün|saat
        0.72: açıl|açılıyor|açılacak|açılır
        0.74: bitiyor|bitecek|biter|bitiş
        0.86: ilk ders|dersi|dersim|dersimiz|gün|günü|hafta
        0.84: hangi tarih|tarihte|tarihler|tarihlerde
        0.56: akşam|sabah|öğlen|öğleden|cumartesi|pazar|pazartesi|salı|çarşamba|perşembe|cuma
    """,
    "apply": """
        0.75: başvur|başvuru|müracaat
        0.9: başvur|başvuru nasıl|yap|istiyorum|form|formu|yapacağım|edeceğim
        0.75: kayıt|kayd|kaydol
        0.9: kaydol|kaydolmak|kaydolabilir|yazıl|yazılmak|yazdır
        0.93: beni|bizi yaz|yazın|yazar|kaydet|kaydedin|kaydeder
        0.9: kayıt|kayd ol|olmak|yaptır|yap|nasıl|istiyorum|yaptırmak|olcam|olucam
        0.75: katıl|katılmak
        0.88: nasıl katıl
        0.82: katıl istiyorum
        0.86: form|formu doldur
        0.84: ön kayıt
    """,
    "application_status": """
        0.95: başvur|başvuru|kayıt|kayd durum|durumu|sonuç|sonucu|onay|onaylandı|kabul|oldu|incele
        0.9: kabul edil|edildim
        0.86: onaylandı|onaylandım|onay
        0.9: sonuç|sonuçlar açıklan|belli|çıktı
        0.82: başvurum|başvurularım|başvurumun
        0.95: başvurum|başvurularım|başvurumu|başvurularımı gör|görmek|göster|bak|listele
        0.86: yedek|sıra|sıradayım|bekleme
        0.93: başvur|başvurdum|kayıt|kaydoldum cevap|dönüş|haber|sonuç gelmedi|yok|alamadım|çıkmadı
        0.85: cevap|dönüş gelmedi|alamadım|yok
        0.8: ^ne durumdayım|durumdayız|durumdasınız|aşamadayım|aşamada
        0.8: durumum|başvurum ne|nedir|oldu
    """,
    "cancel_application": """
        0.96: başvur|başvuru|kayıt|kayd|kurs|kursum iptal|sil|silin|silmek|geri
        0.92: geri çek|çekmek
        0.75: iptal
        0.82: vazgeç|vazgeçtim|bırak|bırakmak|ayrıl|ayrılmak
        0.92: ^kurs|kursu|kurstan ayrıl|çık|bırak|vazgeç
    """,
    "center_info": """
        0.88: adres|adresi|adresiniz|konum|lokasyon|harita
        0.8: nerede|neresi|nerdesiniz|neredesiniz
        0.86: nasıl gid|giderim|gidilir|ulaş|ulaşırım
        0.86: yol tarif
        0.8: telefon|numara|numarası|iletişim
        0.86: çalışma saat|saatleri
        0.86: kaça|kaçta kadar
        0.84: açık|kapalı|kapanıyor|açılıyor saat|kaça|kaçta|kaçtan
        0.82: servis|ulaşım var|yok|mı|mi|veriliyor|sağlanıyor|varmı
        0.66: merkez|merkezler|şube|şubeler
    """,
    "nearest_center": """
        0.92: en yakın
        0.86: yakın|yakınım|yakınımda|yakınımdaki|yakınlarda
        0.9: yakın merkez|kurs|şube
        0.9: konumuma|konuma göre
        0.88: evime|evim|bana yakın
        0.84: civar|civarı|civarında|civarlarında|dolaylarında|çevresinde|tarafında|taraflarında
        0.86: yakını|yakınında|yakınlarında|yakınındaki
    """,
    "my_schedule": """
        0.88: dersim|derslerim|dersimiz|kursum|kurslarım|kursumun|dersimin
        0.92: dersim|derslerim|kursum ne|hangi|saat|kaçta|nerede
        0.92: ders|kurs programım
        0.88: programım|takvimim|saatlerim|günlerim
        0.9: sonraki|sıradaki ders|dersim
        0.86: bugün|yarın|bugünkü|yarınki ders|dersim
    """,
    "reminder_settings": """
        0.92: hatırlat|hatırlatma|hatırlatıcı|hatırlatmalar
        0.88: bildirim|bildirimler
        0.95: bildirim|hatırlatma aç|kapat|ayar|ayarlar|kapa|durdur|istemiyorum
        0.78: mesaj atmayın|gönderme|göndermeyin
        0.95: önce haber|hatırlat|bildir|mesaj
        0.93: mesaj|mesajlar|mesajınız|bildirim|hatırlatma gelmiyor|gelmiyo|gelmedi|ulaşmıyor
    """,
    "employment": """
        0.92: iş|işe|işi bul|bulabilir|ilan|ilanı|imkanı|imkan|olanağı|fırsat|garanti|ara|arıyor
        0.9: istihdam|kariyer
        0.9: iş|işe ver|veriyor|verir|verilir|sağla|sağlıyor|destek|desteği|yardım|yardımcı
        0.9: işe yerleş|alın|gir
        0.93: eleman|personel|çalışan arıyoruz|arıyorum|alınacak|alıyoruz|lazım
        0.8: staj|stajyer
        0.6: iş
        0.95: cv|özgeçmiş|özgeçmişimi bırak|bırakmak|bırakabilir|gönder|göndermek|ver|ilet|yolla
        0.92: kurs|kursu|kurstan|eğitim bitince|bitirince|sonra|sonunda iş|işe|işi
    """,
    "talk_to_human": """
        0.9: yetkili|temsilci|yetkiliyle|temsilciye
        0.95: canlı destek
        0.95: gerçek|canlı kişi|insan|biri|birisi|personel
        0.75: canlı
        0.93: insan|biri|birisi|kişi|gerçek|personel|görevli konuş|görüş|bağla|bağlan
        0.86: bağla|bağlan|bağlayın|aktar
        0.85: şikayet|şikâyet
        0.85: müşteri hizmet|hizmetleri
        0.84: beni ara|arayın|arasın
        0.88: sizi|size ara|arayabilir|arayabilirim|ulaş|ulaşabilirim
        0.75: operatör
        0.86: meşgul|ulaşamıyorum|ulaşamadım|ulaşılmıyor|ulaşamıyoruz
        0.84: telefon|telefonu|telefonlar açmıyor|açılmıyor|açan|cevap
    """,
    "delete_my_data": """
        0.95: veri|verilerim|bilgi|bilgilerim|hesap|hesabım|kayıtlarım sil|silin|kaldır|unut|temizle
        0.95: veri|verilerim|bilgi|bilgilerim|hesap|hesabım silinme|silinmesi|silinsin
        0.95: hesap|hesabım|hesabımı kapat|kapatın|kapatmak|sil
        0.9: kvkk|gdpr
        0.9: kişisel veri|verilerim
        0.88: beni unut
        0.92: sistem|sistemden çıkar|sil|silin|kaldır
        0.88: beni çıkar|çıkarın|silin
        0.7: veriler|verileri|verilerim
    """,
    "change_language": """
        0.95: language|dil|lisan değiştir|seç|ayar|değişsin|seçenek|seçeneği|seçenekleri
        0.95: change language
        0.95: ^ingilizceye|türkçeye|arapçaya|almancaya geç|geçelim|geçer|geçin|dön|dönelim
        0.95: english|ingilizce|türkçe|deutsch please|konuş|yaz|speak|switch|in
        0.9: language|languages
        0.6: english|lisan
        0.55: dil
    """,
    "notify_me": """
        0.9: haber ver|verin|verir|versin|verebilir|verirmisiniz|verirsin|edin|eder
        0.92: açılınca|açılırsa|açıldığında|başlayınca|başlarsa|olursa|olunca haber|bildir|mesaj
        0.9: açılınca|açılırsa|açıldığında|başlayınca|başlarsa bana|beni yaz|ara|arayın
        0.86: bildirin|bildirir|bildirirmisiniz|haberdar
    """,
    "my_interests": """
        0.92: haber|bildirim istek|isteklerim|isteğim|talep|taleplerim|talebim|listem
        0.93: hangi|kurs|kurslar haber bekliyorum|beklediğim|bekliyordum
        0.94: haber|bildirim istek|isteğim|talep|talebim|listem sil|iptal|kaldır|vazgeç|göster
        0.9: takip ettiğim|ettiklerim|ediyorum kurs|kurslar|kursları
        0.95: haber|bildirim listesinden|listeden|listenizden çıkar|çıkarın|sil|silin
        0.95: haber verme|vermeyin|istemiyorum
    """,
    "out_of_scope": """
        0.9: hava durum
        0.85: hava|yağmur|yağmurlu|güneşli|sıcaklık|karlı|fırtına
        0.85: futbol|maç|skor|basketbol|voleybol|gol
        0.92: fatura|faturası su|elektrik|doğalgaz|telefon|internet
        0.86: otobüs|metro|izban|vapur|eshot|tramvay|dolmuş|taksi|aktarma
        0.86: izmirim|izmirimkart|bakiye
        0.92: nöbetçi eczane|eczaneler
        0.82: nöbetçi
        0.86: su kesinti|kesintisi|arıza
        0.82: çöp|imar|ruhsat|zabıta|otopark|tapu|kira|kiralık|satılık
        0.85: yemek tarif
        0.86: ^ne yemek
        0.8: fıkra|şaka|şarkı|film|dizi|burç|siyaset|seçim|şiir
        0.92: sipariş|siparişi|rezervasyon|randevu|randevusu
        0.92: bozuldu|bozulmuş|bozuk|kırıldı|kırılmış|kırık|arızalı|çalındı|hacklendi|çalışmıyor
        0.92: arıza|arızası yap|yapıyor|verdi|var
        0.92: hata|hatası ver|veriyor|verdi|var|aldım|alıyorum
        0.92: satıyor|satıyormusunuz|satar|satarmısınız|satıyorsunuz
        0.92: fiyat|teklif alabilir|alabilirmiyim|almak|alayım
        0.92: borç|borcu|borcum|borcumu|borcunu
        0.92: maaş|maaşım|maaşımı eksik|yatmadı|yattı|kesildi|gelmedi
        0.92: tamirci|usta|bakıcı|temizlikçi|çilingir arıyorum|lazım|biliyor|biliyon|tavsiye|önerir
        0.8: kaç kaç
        0.95: asgari ücret
        0.86: burs|bursu|kira|kirası|erzak
        0.9: gıda|kira|sosyal|nakdi yardım|yardımı
        0.86: müdürlük|müdürlüğü|valilik|kaymakamlık|muhtarlık|karakol|polis|itfaiye
        0.86: muayene|ceza|cezası|trafik|park|kaza|hastane|doktor
        0.84: köpek|kedi|hayvan|kayıp|kaybol|kayboldu|deprem|asfalt|kaldırım
        0.84: konser|festival|tiyatro|sinema|müze|plaj|namaz|ezan
        0.92: dolar|euro|borsa|bitcoin|kripto
        0.9: altın fiyat|fiyatı|fiyatları
        0.84: kredi|faiz|banka|borç|borcu
        0.82: başkan|başkanı|meclis|gündem|askerlik|haberleri
        0.93: edevlet şifre|şifresi|şifremi|şifrem|giriş|gir|girmek|girilir|belge|belgesi
    """,
}

# What a message asks about a course or the institution, besides its intent ("when", "where"),
# in the same syntax; the FAQ topics found in a message are asks too (their patterns are data).
ASK_PATTERNS: dict[str, str] = {
    "when": """
        0.9: ne zaman
        0.86: başlıyor|başlıyo|başlayacak|başlar|başlarmı|başlangıç|başlangıcı|başlaması
        0.84: açılıyor|açılıyo|açılacak|açılcak|açılır|açılırmı|açılıcak
        0.88: ilk ders|dersi|dersim|dersimiz|gün|günü|hafta
        0.86: hangi tarih|tarihte|tarihler|tarihlerde|ay|ayda
        0.8: tarih|tarihi|tarihleri|takvim|takvimi
        0.78: bitiyor|bitecek|biter|bitiş
    """,
    "where": """
        0.9: nerede|nerde|neresi|neresidir|nerdesiniz|neredesiniz|nerelerde|nerdeler
        0.9: hangi merkez|merkezde|merkezlerde|şube|şubede|şubelerde|ilçe|ilçede|semt|yerde
        0.88: adres|adresi|adresiniz|adresleri|konum|konumu|lokasyon
        0.86: nasıl gid|giderim|gidilir|gidebilirim
        0.86: yol tarif|tarifi
        0.86: başka|diğer merkez|merkezde|merkezlerde|şube|şubede|yerde|ilçede
    """,
    "duration": """
        0.92: kaç|ne saat|ay|hafta|gün|yıl sürer|sürüyor|sürüyo|süre|süresi|sürecek|sürmekte
        0.88: süre|süresi|sürer|sürüyor|sürüyo|sürecek
        0.88: ^kaç saat|saatlik|aylık|haftalık|günlük
        0.86: ne kadar sürer|sürüyor|sürecek
    """,
    "exists": """
        0.86: ^var mı|mi|mu kurs|kursu|kursunuz|kurslar
    """,
    "seats": """
        0.92: kaç kişi|kişilik
        0.9: kontenjan|kontenjanı|kapasite|kapasitesi
        0.88: yer var|kaldı|kalmış|kalmadı|yok|varmı
        0.88: boş yer|kontenjan
        0.84: dolu|doldu|dolmuş
    """,
    "age": """
        0.94: yaş sınır|sınırı|limit|limiti|aralığı|şartı
        0.92: kaç yaş|yaşında|yaşından|yaşındaki|yaşındakiler
        0.86: yaşından|yaşındakiler itibaren|büyük|küçük|üstü|sonra
    """,
    "days": """
        0.9: hangi gün|günler|günleri|saat|saatler|saatlerde|saatte
        0.9: ^saat kaç|kaçta|kaçtan
        0.86: kaçta|saatte|saatleri|saatler
        0.86: hafta|haftada kaç gün
        0.84: günleri
        0.8: hafta sonu|içi
        0.8: haftasonu|haftaiçi
        0.8: sabah|akşam|öğleden|öğlen olan|olanı|olanlar|mı|mi|var
        0.8: cumartesi|pazar|pazartesi|salı|çarşamba|perşembe|cuma olan|olanı|olanlar|mı|mi|var
    """,
    "phone": """
        0.95: telefon|tel numara|numarası|numaranız|numarasını|numaranızı|no
        0.92: telefonunuz|telefonunuzu|telefonlarınız|numaranız|numaranızı
        0.9: telefonu|telefonları kaç|nedir|ne|neydi|ver|verir|verebilir|öğren
        0.88: merkez|merkezi|merkezin|merkezinin|şube|şubenin|sizin telefon|telefonu|telefonları
        0.9: hangi numara|numaradan
        0.9: iletişim|merkez|merkezin|merkezinin|şubenin|sizin numara|numarası|numaranız
        0.88: arayabileceğim|arayacağım|arayabilirim numara
    """,
}

# Who a course is for, when a message asks by audience.
AUDIENCE_PATTERNS: dict[str, str] = {
    "women": """
        0.92: kadın|kadınlar|kadınlara|bayan|bayanlar|bayanlara özel|için|yönelik|sadece|yalnızca
        0.9: hanım|hanımlar|hanımlara|anne|anneler|annelere özel|için|yönelik|sadece|yalnızca
        0.88: kadınlara|bayanlara|hanımlara|annelere kurs|kurslar|eğitim|eğitimler
        0.86: kadın|kadınlar|bayan|bayanlar katıl|başvur|alınıyor|alıyor|alınır
    """,
    "youth": """
        0.92: genç|gençler|gençlere|gençlerin özel|için|yönelik|sadece|yalnız|yalnızca
        0.88: gençlere kurs|kurslar|eğitim|eğitimler
    """,
    "disabled": """
        0.94: engelliyim|engelliyiz|özürlüyüm
        0.92: engelli|engelliler|engellilere|özürlü|özürlüler için|özel|yönelik|sadece|uygun
        0.9: engelli|engelliler|özürlü birey|bireyler|vatandaş|katıl|başvur|erişilebilir
        0.9: tekerlekli sandalye
        0.9: görme|işitme|zihinsel|bedensel|ortopedik engelli|engelliler|engellilere|engelliyim
    """,
}
