"""Generic Turkish word lists: non-content words, common words, and words with a role.

Lists are whitespace-separated Turkish words; each also matches itself followed by suffixes.
"""

from __future__ import annotations

# Words that carry no course content: course/learning words, function words, time words.
GENERIC_WORDS = """
    kurs kurslar kursu kursunuz kursa eğitim eğitimler ders dersler sınıf atölye kursiyer
    öğren öğrenmek öğrenme öğreten öğretiyor öğretim öğretmek öğrenim öğretilen
    yap yapmak yapma yapım yapımı yapılır yapabilir iste istiyorum isterim istiyordum
    istiyoruz istemek istedim var yok mı mi mu mü ne neler nedir nasıl hangi hangisi için icin
    ile ve veya ya da de ki bir bu şu o en çok daha az gibi kadar ben bana beni benim biz bize
    bizim siz size sizin sizde sen sana lütfen acaba ama fakat hem her tüm bütün hiç olan
    olarak ol olmak olur olabilir olsun al almak alabilir bilgi bilgiler hakkında ilgili şey
    yani tamam evet hayır peki meslek mesleki fabrika fabrikası belediye büyükşehir izmir ibb
    kurum alan alanı alanında alanındaki bölüm düzey konu merkez şube bina sosyal tesis
    sabah öğle öğlen öğleden akşam gece hafta içi sonu haftasonu haftaiçi pazartesi salı
    çarşamba perşembe cuma cumartesi pazar bugün yarın gelecek önümüzdeki haftaya ay gün
    sonra önce zaman saat please
"""

# Plural course words and field words: a field word next to one of these lists the field.
LISTING_WORDS = "kurslar eğitimler dersler alan alanı alanında alanlar bölüm bölümler neler"

# Words that say the message is about courses even when another topic word appears.
COURSE_WORDS = "kurs kurslar kursu eğitim eğitimler ders dersler atölye sınıf"

# Words naming a centre building: "Buca kurs merkezi" names the Buca centre.
CENTRE_WORDS = "merkez merkezi merkezler şube şubesi bina binası tesis tesisleri yerleşke"

# Longer words that must not count as their shorter prefix ("yakında" is not "yakın").
DISTINCT_WORDS = "yakında yakındaki ikametgah kaçta kaçtan belgesi yardımcı istemiyorum nereden"

# Everyday words that name no course: known, so a typo-tolerant match never turns them into a
# course word ("gelsin" is not "gelin"), yet kept in catalog names where they appear.
COMMON_WORDS = """
    gel gelsin geliyor gelir gelmek git gidiyor gitmek gör görmek bil biliyor bilmiyorum
    söyle söyler konuş konuşmak çalış çalışıyor çalışmak oku okumak yaz yazmak bekle bekliyorum
    sor sormak soru sorum sorular anla anlat anlatır dinle düşün düşünüyorum kullan seç aç açmak
    kapat kapa dön dönmek getir götür gönder gönderin yolla bitir bitirdim bitirenler bitince
    kal kalmak çık çıkmak gir girmek bul bulmak ara aramak arıyor arıyorum sev seviyorum ver
    vermek veriyor verir verilir veriliyor verin et etmek ediyor ediyorum eder ederim edin
    edebilir edilir yapsam yapmalıyım olsa oluyor oldu olur musunuz misiniz mısınız muyum
    kolay zor güzel iyi kötü yeni eski büyük küçük uzun kısa erken geç hızlı yavaş
    şimdi hemen dün yıl sene yer ev evim evde okul para insan kişi sorun problem cevap
    lazım gerek belki sadece bile hep artık zaten neden niye niçin kim kimse nere nereye
    nereden burada burası orada şurada böyle şöyle öyle merak teşekkür rica lütfen
    ora orası oraya oradan oranın orda ordan oraya buraya buradan şurası şuraya
    yazmam yazmalıyım yazayım yazacağım yazıcam yazıyorum yatkın yatkınım
    kolay gelsin razı allah inşallah maşallah selamlar arkadaş kardeşim abi abla hocam efendim
    bey hanım hanımefendi beyefendi tamamdır olur okey ok tamam anladım anlamadım
    free boşver atın atmak atar atıyor atabilir eşim annem babam oğlum kızım
    """

# Everyday words that some catalogs also use as course keywords ("online satış", "hasta kabul",
# "servis"): alone they name a course only bound to a course word ("internet kursu") or as a
# course's whole name ("İlk Yardım"), never in "online kurs var mı" or "bugün hastayım".
WEAK_WORDS = """
    online internet web site telefon cep mobil hasta hak haklar engelli yabancı servis ilk
    kabul kayıt özel acil hat genç gençlik kadın erkek yaşlı çocuk bebek ev aile market kasa
    tur bilet destek eski sigorta etkinlik kart bar uzak evde kahve
"""

# Course words that bind the word before them into a course's name ("internet kursu").
BOUND_COURSE_WORDS = (
    "kursu kursunu kursuna kursunda kursları kurslarını eğitimi eğitimleri öğrenmek öğrenmeyi"
)

# Words after a phrase that say it is not wanted ("barista değil", "almanca istemiyorum").
NEGATORS = """
    değil değilde değildi yerine hariç istemiyorum istemiyom istemem olmasın dışında vazgeçtim
"""

# Words that end what a negation can reach back to ("rusça olsun, almanca değil").
SEGMENT_BREAKS = "istiyorum isterim istiyom olsun olur ama fakat ancak lakin yani yok"

# Words joining the items of a list of courses ("keman ve gitar", "veri analizi ile python").
CONJUNCTIONS = "ve ile veya yada ya da hem bir de ayrıca birde"

# Words saying where the person lives ("Çiğli'de oturuyorum").
RESIDENCE_WORDS = "oturuyorum oturuyoruz oturuyom yaşıyorum yaşıyoruz ikamet evim"
