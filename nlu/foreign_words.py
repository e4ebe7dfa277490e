"""English and Arabic phrases and the Turkish words they stand for (see nlu/foreign.py).

One phrase a line, ``phrase = türkçe``, alternatives separated by ``/``; an empty right side
drops the phrase. Arabic is written naturally: nlu/foreign.py compares it without marks,
hamza forms or the article. Course names come from the catalog's translated names; here are
only the everyday words people use for them and for what they ask; the words of the FAQ topics
(cost, certificate, who can join…) are the patterns of locales/faq.<lang>.yaml.
"""

from __future__ import annotations

ENGLISH = """
talk / speak / chat with / contact = görüşmek
real person / person / someone / somebody / human / staff / operator / agent = yetkili
representative / member of staff = yetkili
delete / remove / erase / wipe = sil
my data / my personal data / my information / my personal information / my details = verilerimi
personal information / personal data = verilerimi
status / progress = durumu
my application / my applications = başvurum
accepted / approved / rejected = onaylandı mı
nearest / closest / near me / nearby / close to me / near = en yakın
centre / center / centres / centers / training centre / training center / branch office = merkez
where = nerede
when / what date = ne zaman
start / starts / begin / begins / starting / open / opens = başlıyor
schedule / timetable / dates / what time / what days / which days = saatleri
how many hours / how long / duration / hours = kaç saat
apply / register / sign up / enrol / enroll / enrolment / registration / application form = başvuru
book a place = başvuru
application = başvuru
course / class / training / lesson / program / programme / workshop = kurs
courses / classes / trainings / lessons / programs / programmes / workshops = kurslar
do you have / is there / are there / have you got / any / do you offer / do you teach = var mı
you teach / teach = var mı
learn / study / learning = öğrenmek
i want to / i d like to / i would like to / i want / want / would like / looking for = istiyorum
i m looking for = istiyorum
become / be a / be an = olmak istiyorum
show / show me / list / see / list all = listele
what = ne
which = hangi
evening / evenings / at night / after work = akşam
morning / mornings = sabah
afternoon / afternoons = öğleden sonra
weekend / weekends / at the weekend / on weekends / saturday / sunday = hafta sonu
weekday / weekdays / during the week = hafta içi
women / woman / ladies / female / for women = kadınlara özel
young people / youth / young = gençler
hello / hi / hey / good morning / good evening / greetings = merhaba
help / i need help / can you help / help me = yardım
thanks / thank you / thx = teşekkürler
bye / goodbye / see you = hoşça kal
tell me about / information about / info about / details / information / info = hakkında bilgi
menu / main menu = menü
outside izmir / outside of izmir / not in izmir / i live outside izmir = izmir dışı
change language / language / languages / switch language = dil değiştirmek istiyorum
english please / in english / speak english / can we speak english = dil değiştirmek istiyorum
can you speak english / do you speak english / talk in english = dil değiştirmek istiyorum
other language = dil değiştirmek istiyorum
cancel my application = başvurumu iptal et
never mind / nevermind / forget it / forget about it / changed my mind / change of mind = vazgeçtim
give up / not anymore / no longer / leave it / skip the application = vazgeçtim
cancel / cancel it / cancel this / quit / exit / abort = iptal
dont want / don t want / do not want / not want / don t wanna = istemiyorum
another / other / different / a different / some other = başka
another time / some other time / later / another day maybe = başka zaman
place / location / venue = yer
time / hour = saat
day = gün
group = grup
sorry / i meant / i mean / meant / actually / instead / instead of / rather than = pardon
wrong one / by mistake / my mistake / mistake = yanlışlıkla
my lessons / my classes / my schedule = derslerim
reminders = hatırlatmalar
job / work / employment = iş
welding / welder = kaynak
sewing / seamstress / dressmaking = dikiş
tailoring / tailor = terzilik
makeup / make up / make-up = makyaj
hair / hairdresser / hairdressing / hairstyling / hair styling = kuaför
barber / barbering / barbers = berber
accounting / accountant / bookkeeping = muhasebe
cook / cooking / chef / cookery / kitchen = aşçı
pastry / pastries / cake / cakes / baking / desserts = pastacılık
coffee = barista
computer / computers = bilgisayar
programming / coding / software = programlama
english = ingilizce
turkish = türkçe
german = almanca
electrician / electrical = elektrik tesisatçılığı
repair / repairs / fix / fixing = tamir
phone / phones / mobile / smartphone = telefon
mechanic / car repair = otomotiv
photo / photos / photograph = fotoğraf
"""

ENGLISH_DROP = """
the a an is are was were be been am do does did you your yours i me my we our to for of
please pls can could would should will shall there it its this that these those and or
but with from in at on by as so if then some all any get got have has had d m s ll ve re
just also really very kind possibly maybe still yet much many
"""

ARABIC = """
التحدث / اتحدث / احكي / اتكلم / التكلم / اتواصل / التواصل = görüşmek
موظف / شخص / انسان / مسؤول / حقيقي / بشري = yetkili
احذف / امسح / حذف / مسح / ازالة / ازل / احذفوا = sil
بياناتي / معلوماتي / بيانات / معلومات شخصية / معلوماتي الشخصية / بياناتي الشخصية = verilerimi
وضع / حالة / شو صار = durumu
طلبي / طلباتي = başvurum
قبول / قبلت / تم قبول / انقبلت / رفض = onaylandı mı
اقرب / قريب مني / قريب / بالقرب = en yakın
مركز / مراكز / مركز تدريب = merkez
اين / وين / فين = nerede
متى / امتى / ايمتى / وقتيش = ne zaman
تبدا / يبدا / بداية / تبدأ / يبدأ / تنطلق / تفتح = başlıyor
مواعيد / موعد / اوقات / وقت / دوام / جدول = saatleri
كم ساعة / ساعات / مدة / كم مدة = kaç saat
سجل / اسجل / التسجيل / تسجيل / اشترك / الاشتراك / قدم / اقدم / التقديم / تقديم = başvuru
دورة / كورس / دروس / درس / صف / تدريب / ورشة = kurs
دورات / كورسات / صفوف / تدريبات / ورشات = kurslar
هل عندكم / عندكم / هل يوجد / هل توجد / يوجد / توجد / في عندكم / فيه / هل لديكم / لديكم = var mı
هل تعلمون / تعلمون / تدرسون = var mı
اتعلم / تعلم / اتعلمه / دراسة / ادرس = öğrenmek
اريد / بدي / ابغى / ابي / حابب / اود / اتمنى / ابحث عن / ادور على / عايز = istiyorum
صير / اصبح / اصير / اكون = olmak istiyorum
اعرض / عرض / اظهر / ورجيني / اعرض لي = listele
ما هي / ما هو / شو / ايش / ماذا / ما = ne
اي / اية / ايه = hangi
مسائية / مساء / مسائي / بالليل / ليلا / مسا = akşam
صباحية / صباحا / صباحي / الصبح = sabah
بعد الظهر / ظهرا = öğleden sonra
عطلة نهاية الاسبوع / نهاية الاسبوع / الويكند / ويكند / السبت / الاحد = hafta sonu
ايام الاسبوع / وسط الاسبوع = hafta içi
نساء / النساء / للنساء / سيدات / بنات / للسيدات = kadınlara özel
شباب / الشباب = gençler
مرحبا / اهلا / السلام عليكم / هلا / مرحبتين / صباح الخير / مساء الخير = merhaba
مساعدة / ساعدني / احتاج مساعدة / ساعدوني = yardım
شكرا / مشكور / يعطيك العافية = teşekkürler
مع السلامة / وداعا / باي = hoşça kal
اخبرني عن / معلومات عن / تفاصيل / معلومات = hakkında bilgi
القائمة / قائمة = menü
لغة / اللغة / تغيير اللغة / غير اللغة / بالعربي / بالعربية / تحكي عربي = dil değiştirmek istiyorum
تتكلم عربي / عربي من فضلك / لغة اخرى = dil değiştirmek istiyorum
الغ طلبي / الغاء طلبي = başvurumu iptal et
خلاص / تراجعت / غيرت رايي / غيرت رأيي / انسى الموضوع / انس الموضوع / بلاش / عدلت عن = vazgeçtim
لا اريد / ما بدي / مش عايز / مش عاوز / لا ابغى / ما ابغى / لا ارغب = istemiyorum
الغاء / الغي / الغ / الغيه = iptal
دورة اخرى / دورة ثانية / كورس اخر / كورس ثاني = başka kurs
مركز اخر / مكان اخر / فرع اخر = başka merkez
موعد اخر / توقيت اخر / ساعة اخرى / يوم اخر = başka saat
عفوا / اسف / اسفة / قصدي / اقصد / كنت اقصد / بدل / بدلا من / بالاحرى / في الحقيقة = pardon
بالغلط / غلط / خطا / بالخطا = yanlışlıkla
وقت اخر / لاحقا / بعدين / فيما بعد / وقت لاحق = başka zaman
دروسي / حصصي = derslerim
باريستا / قهوة / القهوة = barista
حلويات / الحلويات / معجنات / كيك / حلو / صناعة الحلويات = pastacılık
حلاقة رجالية / حلاقة الرجال / حلاق رجالي = erkek berberliği
حلاقة / حلاق = berber
تصفيف الشعر / كوافير / كوافيرة / شعر / تسريح الشعر = kuaför
خياطة / خياط / تفصيل = dikiş
مكياج / ميك اب / ماكياج / تجميل = makyaj
لحام / لحيم = kaynak
محاسبة / محاسب = muhasebe
كمبيوتر / حاسوب / كومبيوتر / حاسب = bilgisayar
برمجة / مبرمج = programlama
بايثون = python
اكسل / الاكسل = excel
غيتار / جيتار / قيتار / كيتار = gitar
اسعافات اولية / الاسعافات الاولية / اسعاف اولي = ilk yardım
تصميم جرافيك / جرافيك / غرافيك = grafik tasarım
كهربجي / كهربائي / كهرباء / تمديدات كهربائية = elektrik tesisatçılığı
تصليح / صيانة / اصلاح = tamir
موبايل / موبايلات / جوال / جوالات / هاتف / هواتف / تلفون / تلفونات = telefon
نحل / تربية النحل = arıcılık
رافعة شوكية / سائق الرافعة الشوكية / فوركلفت / رافعة = forklift
طبخ / طباخ / شيف / مطبخ = aşçı
انجليزي / الانجليزية / انكليزي / انجليزية = ingilizce
تركي / التركية / تركية / اللغة التركية = türkçe
الماني / الالمانية = almanca
عربي / العربية = arapça
ميكانيك / ميكانيكي = otomotiv
تصوير / مصور = fotoğrafçılık
كوناك = Konak
قارشي ياكا / كارشياكا / قارشياكا / كارشي ياكا = Karşıyaka
بورنوفا = Bornova
بوجا / بوكا / بوقا = Buca
تشيغلي / جيغلي / شيغلي = Çiğli
بايراكلي = Bayraklı
كاراباغلار / قرهباغلار = Karabağlar
غازي امير / غازيامير = Gaziemir
بالتشوفا / بالجوفا = Balçova
نارلي دره / نارليدره = Narlıdere
غوزيل باهتشه / كوزل بهجه = Güzelbahçe
مننمن / منمن = Menemen
توربالي = Torbalı
اورلا = Urla
تشيشمه / جشمه / شيشمه = Çeşme
فوتشا / فوجا = Foça
علي اغا / عليآغا = Aliağa
برغاما / بيرغاما = Bergama
تيره = Tire
اوديميش = Ödemiş
كمال باشا / كمالباشا = Kemalpaşa
سفري حصار = Seferihisar
سلجوق = Selçuk
ديكيلي = Dikili
بايندير = Bayındır
مندرس / منديرس = Menderes
ازمير = İzmir
خارج ازمير / برا ازمير / مش في ازمير = izmir dışı
"""

# Arabizi: Arabic typed in Latin letters and digits, the commonest words only.
ARABIZI = """
badi / bade / bdi / bidi / bddi / 3ayez / 3ayz / abgha = istiyorum
dawra / dawrat / dowra / dora / kors / korsat = kurs
sajel / sajjel / sa2jel / tasjil / tasjeel / asajel = başvuru
addesh / adesh / 2adesh / kam / b2adesh / bkam = ücret ne kadar
majani / majjani / majaniye / bbalash / balash = ücretsiz
shahade / shahada / chahada = sertifika
wen / wein / fen / feen = nerede
emta / imta / emte / imtah = ne zaman
mwazaf / mwazzaf / muwazaf / 7ada / shakhs = yetkili
ahki / a7ki / bihki / bi7ki / atkalam = görüşmek
ma3lomati / ma3lumati / bayanati = verilerimi
ehzef / i7zef / imsa7 / emsah = sil
tale2 / talabi / talab = başvurum
a2rab / aqrab / arab markaz = en yakın
markaz = merkez
marhaba / mar7aba / ahlan / salam = merhaba
shukran / shokran / merci = teşekkürler
7ilaqa / 7ila2a / 7elaqa / hila2a / hla2a = berber
btebda / tebda / btibda / bibda = başlıyor
khiyata / 5iyata = dikiş
7alawiyat / halawiyat = pastacılık
"""

ARABIC_DROP = """
هل من في على الى إلى عن مع لي لك لكم انا أنا انت نحن هذا هذه ذلك تلك التي الذي و او أو
يا ممكن لو من فضلك فضلك رجاء رجاءا بس كل جميع بدون حتى ثم كيف كيفية قد لقد
"""

RAW = {"en": (ENGLISH, ENGLISH_DROP), "ar": (ARABIC + ARABIZI, ARABIC_DROP)}
