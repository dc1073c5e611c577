import iconv from 'iconv-lite';
import type { SourceEncoding } from '../../lib/csv/decode.js';

/**
 * Phonebooks in the languages whose users still send legacy code pages, written for these
 * tests (names, firms and places typical of each country, not real people), with the code
 * pages each language is usually exported in. Each file is a header and eight contacts.
 */
export interface LegacySample {
  language: string;
  /** The phonebook as UTF-8 text: what every import of it must store. */
  csv: string;
  /** The code pages this language's files usually come in (Excel, Outlook, old PBXs). */
  encodings: readonly SourceEncoding[];
}

const HEADER = 'name,company,title,workphone,workemail,homecity,notes';

function phonebook(rows: readonly string[]): string {
  return `${[HEADER, ...rows].join('\r\n')}\r\n`;
}

export const LEGACY_SAMPLES: readonly LegacySample[] = [
  {
    language: 'Polish',
    encodings: ['windows-1250', 'iso-8859-2'],
    csv: phonebook([
      'Łukasz Żółć,Przedsiębiorstwo Budowlane Świętokrzyskie,Kierownik budowy,+48 41 344 12 10,l.zolc@budowlane.pl,Kielce,Dzwonić przed południem',
      'Małgorzata Wójcik,Hurtownia Spożywcza Łódź,Główna księgowa,+48 42 630 55 01,m.wojcik@hurtownia.pl,Łódź,Urlop do końca sierpnia',
      'Grzegorz Brzęczyszczykiewicz,Zakład Usług Leśnych,Leśniczy,+48 17 852 20 44,g.brzeczyszczykiewicz@lasy.pl,Rzeszów,Najlepiej pisać e-mail',
      'Agnieszka Ślęzak,Biuro Rachunkowe Gdańsk,Doradca podatkowy,+48 58 301 77 12,biuro@rachunkowe.pl,Gdańsk,Współpraca od 2019 roku',
      'Paweł Kaczmarczyk,Drukarnia Pod Żurawiem,Właściciel,+48 12 421 09 09,pawel@drukarnia.pl,Kraków,Zamówienia tylko w środy',
      'Żaneta Dąbrowska,Szkoła Podstawowa nr 3,Dyrektorka,+48 22 654 32 10,sekretariat@sp3.edu.pl,Warszawa,Sekretariat czynny od ósmej',
      'Jędrzej Ćwikliński,Serwis Samochodowy Łoś,Mechanik,+48 61 852 44 19,serwis@los.pl,Poznań,Wymiana opon i przeglądy',
      'Bożena Szczęsna,Apteka Pod Orłem,Farmaceutka,+48 71 343 21 80,apteka@podorlem.pl,Wrocław,Leki na receptę zamawiać dzień wcześniej',
    ]),
  },
  {
    language: 'Czech',
    encodings: ['windows-1250', 'iso-8859-2'],
    csv: phonebook([
      'Jiří Dvořák,Stavební firma Hořice,Stavbyvedoucí,+420 493 624 111,jiri.dvorak@horice.cz,Hořice,Volat po čtvrté hodině',
      'Kateřina Nováková,Účetní kancelář Brno,Účetní,+420 543 210 987,katerina@ucetni-brno.cz,Brno,Faktury posílat do pátku',
      'Tomáš Černý,Pivovar Žatec,Sládek,+420 415 710 600,tomas.cerny@pivovar-zatec.cz,Žatec,Ochutnávka každou středu',
      'Lenka Procházková,Základní škola Říčany,Ředitelka,+420 323 602 114,reditelka@zs-ricany.cz,Říčany,Třídní schůzky v úterý',
      'Petr Šťastný,Autoservis Kůň,Vedoucí dílny,+420 566 522 300,servis@autokun.cz,Žďár nad Sázavou,Příjem vozů od sedmi',
      'Zdeňka Růžičková,Lékárna U Zlatého lva,Lékárnice,+420 224 812 345,lekarna@zlatylev.cz,Praha,Recepty vyřizuje odpoledne',
      'Ondřej Kříž,Truhlářství Kříž a syn,Mistr,+420 585 224 017,ondrej@truhlarstvi-kriz.cz,Olomouc,Nábytek na míru',
      'Věra Benešová,Cestovní kancelář Šumava,Průvodkyně,+420 388 313 440,vera@ck-sumava.cz,Vimperk,Zájezdy po celé Evropě',
    ]),
  },
  {
    language: 'Hungarian',
    encodings: ['windows-1250', 'iso-8859-2'],
    csv: phonebook([
      'Kovács Béla,Győri Építőipari Kft.,Építésvezető,+36 96 512 300,kovacs.bela@gyoriepito.hu,Győr,Délelőtt érhető el',
      'Szőke Zsófia,Debreceni Könyvelőiroda,Könyvelő,+36 52 415 220,szoke.zsofia@konyvelo.hu,Debrecen,Számlákat hétfőn küldeni',
      'Tóth Gergő,Pécsi Sörfőzde,Sörfőző mester,+36 72 324 118,toth.gergo@sorfozde.hu,Pécs,Kóstoló minden csütörtökön',
      'Nagy Erzsébet,Szegedi Általános Iskola,Igazgatónő,+36 62 420 555,igazgato@szegediiskola.hu,Szeged,Fogadóóra kedden délután',
      'Fehér Ödön,Kecskeméti Gyümölcsös,Tulajdonos,+36 76 481 902,feher.odon@gyumolcsos.hu,Kecskemét,Barackot júliusban szállít',
      'Horváth Tünde,Miskolci Gyógyszertár,Gyógyszerész,+36 46 412 870,horvath.tunde@patika.hu,Miskolc,Vényeket előre kérni',
      'Szűcs Levente,Egri Borház,Borász,+36 36 517 444,szucs.levente@borhaz.hu,Eger,Pincelátogatás előzetes bejelentkezéssel',
      'Bíró Ildikó,Soproni Utazási Iroda,Idegenvezető,+36 99 312 650,biro.ildiko@utazas.hu,Sopron,Túrák egész Európában',
    ]),
  },
  {
    language: 'Russian',
    encodings: ['windows-1251', 'koi8-r', 'iso-8859-5'],
    csv: phonebook([
      'Дмитрий Иванов,ООО Северный ветер,Генеральный директор,+7 495 123 45 67,d.ivanov@sever.ru,Москва,Звонить после обеда',
      'Екатерина Смирнова,Бухгалтерия Петербург,Главный бухгалтер,+7 812 555 01 02,e.smirnova@buh.ru,Санкт-Петербург,Счета присылать до пятницы',
      'Алексей Кузнецов,Завод Уралмаш,Инженер-конструктор,+7 343 327 11 20,a.kuznetsov@uralmash.ru,Екатеринбург,В отпуске до конца августа',
      'Ольга Попова,Школа номер пять,Директор школы,+7 383 210 44 55,popova@school5.ru,Новосибирск,Родительское собрание во вторник',
      'Сергей Васильев,Автосервис Колесо,Начальник смены,+7 846 337 90 12,vasiliev@koleso.ru,Самара,Приём машин с восьми утра',
      'Наталья Фёдорова,Аптека Здоровье,Провизор,+7 843 292 18 81,fedorova@zdorovie.ru,Казань,Рецептурные лекарства заказывать заранее',
      'Михаил Соколов,Типография Слово,Владелец,+7 863 240 77 31,sokolov@slovo.ru,Ростов-на-Дону,Заказы только по средам',
      'Татьяна Морозова,Туристическое агентство Восток,Менеджер по продажам,+7 423 222 51 09,morozova@vostok.ru,Владивосток,Туры по всей Азии',
    ]),
  },
  {
    language: 'Ukrainian',
    encodings: ['windows-1251', 'koi8-u'],
    csv: phonebook([
      'Олександр Шевченко,ТОВ Дніпровські вітрила,Директор,+380 44 235 12 40,o.shevchenko@vitryla.ua,Київ,Телефонувати після обіду',
      'Юлія Коваленко,Бухгалтерія Львів,Головний бухгалтер,+380 32 261 07 15,y.kovalenko@buh.ua,Львів,Рахунки надсилати до четверга',
      'Андрій Бондаренко,Харківський тракторний завод,Інженер,+380 57 713 22 90,a.bondarenko@htz.ua,Харків,У відпустці до кінця серпня',
      'Ірина Ткаченко,Школа номер сім,Директорка,+380 48 722 33 41,tkachenko@school7.ua,Одеса,Батьківські збори щовівторка',
      'Євген Кравченко,Автосервіс Колесо,Майстер зміни,+380 56 370 18 64,kravchenko@koleso.ua,Дніпро,Прийом авто з восьмої ранку',
      'Ганна Олійник,Аптека Надія,Провізорка,+380 31 261 45 02,oliynyk@zdorovia.ua,Ужгород,Ліки за рецептом замовляти заздалегідь',
      'Тарас Мельник,Друкарня Ґрафіка,Власник,+380 35 252 80 17,melnyk@grafika.ua,Тернопіль,Замовлення лише по середах',
      'Оксана Грищенко,Туристична агенція Карпати,Менеджерка,+380 34 255 61 93,gryshchenko@karpaty.ua,Івано-Франківськ,Їздимо в гори щосуботи',
    ]),
  },
  {
    language: 'Bulgarian',
    encodings: ['windows-1251'],
    csv: phonebook([
      'Георги Димитров,Строителна фирма Пирин,Управител,+359 2 981 22 33,g.dimitrov@pirin.bg,София,Да се звъни следобед',
      'Мария Петрова,Счетоводна къща Варна,Главен счетоводител,+359 52 602 114,m.petrova@schetovodstvo.bg,Варна,Фактурите да се пращат до петък',
      'Иван Стоянов,Пивоварна Шумен,Технолог,+359 54 800 400,i.stoyanov@pivo-shumen.bg,Шумен,Дегустация всяка сряда',
      'Елена Николова,Средно училище Христо Ботев,Директор,+359 32 633 210,nikolova@botev-school.bg,Пловдив,Родителска среща във вторник',
      'Стефан Георгиев,Автосервиз Колело,Началник смяна,+359 56 842 117,georgiev@kolelo.bg,Бургас,Приемане на коли от осем часа',
      'Йорданка Христова,Аптека Здраве,Фармацевт,+359 64 801 552,hristova@zdrave.bg,Плевен,Лекарствата по рецепта се поръчват предварително',
      'Николай Тодоров,Печатница Слово,Собственик,+359 62 620 318,todorov@slovo.bg,Велико Търново,Поръчки само в сряда',
      'Десислава Ангелова,Туристическа агенция Родопи,Мениджър продажби,+359 301 624 09,angelova@rodopi.bg,Смолян,Екскурзии из цялата страна',
    ]),
  },
  {
    language: 'Greek',
    encodings: ['windows-1253', 'iso-8859-7'],
    csv: phonebook([
      'Γιώργος Παπαδόπουλος,Τεχνική Εταιρεία Ολυμπος,Διευθυντής,+30 210 323 4567,g.papadopoulos@olympos.gr,Αθήνα,Τηλεφωνήστε μετά το μεσημέρι',
      'Μαρία Κωνσταντίνου,Λογιστικό Γραφείο Θεσσαλονίκης,Λογίστρια,+30 2310 555 012,m.konstantinou@logistiko.gr,Θεσσαλονίκη,Τα τιμολόγια μέχρι την Παρασκευή',
      'Νίκος Αντωνίου,Ζυθοποιία Κρήτης,Ζυθοποιός,+30 2810 330 118,n.antoniou@zythos.gr,Ηράκλειο,Γευσιγνωσία κάθε Τετάρτη',
      'Ελένη Γεωργίου,Δημοτικό Σχολείο Πάτρας,Διευθύντρια,+30 2610 420 555,georgiou@dimotiko-patras.gr,Πάτρα,Συνάντηση γονέων την Τρίτη',
      'Δημήτρης Οικονόμου,Συνεργείο Αυτοκινήτων Ροδα,Υπεύθυνος βάρδιας,+30 2410 537 902,oikonomou@roda.gr,Λάρισα,Παραλαβή αυτοκινήτων από τις οκτώ',
      'Αικατερίνη Βλάχου,Φαρμακείο Υγεία,Φαρμακοποιός,+30 26510 71 870,vlachou@ygeia.gr,Ιωάννινα,Τα φάρμακα με συνταγή παραγγέλνονται νωρίτερα',
      'Σπύρος Μαυρίδης,Τυπογραφείο Λόγος,Ιδιοκτήτης,+30 2661 030 317,mavridis@logos.gr,Κέρκυρα,Παραγγελίες μόνο την Τετάρτη',
      'Φωτεινή Χατζή,Ταξιδιωτικό Γραφείο Αιγαίο,Υπεύθυνη πωλήσεων,+30 22410 21 650,chatzi@aigaio.gr,Ρόδος,Εκδρομές σε όλα τα νησιά',
    ]),
  },
  {
    language: 'Turkish',
    encodings: ['windows-1254', 'iso-8859-9'],
    csv: phonebook([
      'Mehmet Yılmaz,Ege İnşaat Ltd. Şti.,Şantiye şefi,+90 232 445 12 30,mehmet.yilmaz@egeinsaat.com.tr,İzmir,Öğleden sonra arayın',
      'Ayşe Kaya,Ankara Muhasebe Bürosu,Mali müşavir,+90 312 418 22 05,ayse.kaya@muhasebe.com.tr,Ankara,Faturaları cumaya kadar gönderin',
      'Mustafa Çelik,Bursa Tekstil Fabrikası,Üretim müdürü,+90 224 261 33 18,m.celik@bursatekstil.com.tr,Bursa,Ağustos sonuna kadar izinde',
      'Zeynep Şahin,Atatürk İlköğretim Okulu,Okul müdürü,+90 322 454 20 55,z.sahin@ataturkokulu.k12.tr,Adana,Veli toplantısı salı günü',
      'Hüseyin Öztürk,Öztürk Oto Servis,Servis şefi,+90 262 331 90 24,huseyin@ozturkoto.com.tr,Kocaeli,Araç kabulü sabah sekizde başlar',
      'Gülşen Aydın,Şifa Eczanesi,Eczacı,+90 242 243 18 81,gulsen@sifaeczanesi.com.tr,Antalya,Reçeteli ilaçları önceden sipariş edin',
      'İbrahim Doğan,Doğan Matbaacılık,Sahibi,+90 332 350 77 31,ibrahim@doganmatbaa.com.tr,Konya,Siparişler yalnızca çarşamba',
      'Özlem Arslan,Karadeniz Turizm,Satış müdürü,+90 462 321 51 09,ozlem@karadeniztur.com.tr,Trabzon,Yayla turları her hafta sonu',
    ]),
  },
  {
    language: 'German',
    encodings: ['windows-1252', 'iso-8859-1', 'iso-8859-15', 'macintosh'],
    csv: phonebook([
      'Jürgen Müller,Müller & Söhne Bauunternehmung GmbH,Bauleiter,+49 89 123 456 0,j.mueller@mueller-soehne.de,München,Bitte erst nach 14 Uhr anrufen',
      'Brigitte Schäfer,Steuerbüro Schäfer,Steuerberaterin,+49 221 555 0102,b.schaefer@steuerbuero.de,Köln,Rechnungen bis Freitag schicken',
      'Günther Weiß,Brauerei Zum Löwen,Braumeister,+49 911 330 118,g.weiss@loewenbraeu.de,Nürnberg,Führungen jeden Mittwoch',
      'Dörte Krüger,Grundschule am Schloßpark,Schulleiterin,+49 40 420 5550,krueger@schlosspark-schule.de,Hamburg,Elternabend am Dienstag',
      'Björn Hoffmann,Autohaus Süd,Werkstattmeister,+49 711 537 902,b.hoffmann@autohaus-sued.de,Stuttgart,Fahrzeugannahme ab 7 Uhr',
      'Käthe Bäcker,Löwen-Apotheke,Apothekerin,+49 351 871 870,kaethe@loewen-apotheke.de,Dresden,Rezepte am Vortag bestellen',
      'Jörg Größer,Druckerei Größer,Inhaber,+49 341 303 170,joerg@druckerei-groesser.de,Leipzig,Aufträge nur mittwochs',
      'Ute Fuß-Lübke,Reisebüro Fernweh,Vertriebsleiterin,+49 30 216 5000,fuss@fernweh-reisen.de,Berlin,Reisen in ganz Europa',
    ]),
  },
  {
    language: 'French',
    // ISO-8859-1 has no œ, which French needs: its files come in ISO-8859-15 instead.
    encodings: ['windows-1252', 'iso-8859-15', 'macintosh'],
    csv: phonebook([
      'François Lefèvre,Bâtiments Lefèvre et Fils,Conducteur de travaux,+33 1 42 68 53 00,f.lefevre@batiments-lefevre.fr,Paris,Appeler après le déjeuner',
      'Hélène Dubois,Cabinet comptable Dubois,Expert-comptable,+33 4 78 55 01 02,h.dubois@cabinet-dubois.fr,Lyon,Envoyer les factures avant vendredi',
      'Jérôme Gaël Bœuf,Brasserie du Cœur,Maître brasseur,+33 3 88 33 01 18,jerome@brasserie-coeur.fr,Strasbourg,Dégustation chaque mercredi',
      'Cécile Noël,École élémentaire Jean Jaurès,Directrice,+33 5 61 42 05 55,direction@ecole-jaures.fr,Toulouse,Réunion des parents le mardi',
      "Benoît Châtelain,Garage du Rhône,Chef d'atelier,+33 4 91 53 79 02,benoit@garage-rhone.fr,Marseille,Réception des véhicules dès 7 h",
      "Amélie Bélanger,Pharmacie de l'Étoile,Pharmacienne,+33 2 40 87 18 70,amelie@pharmacie-etoile.fr,Nantes,Commander les ordonnances la veille",
      'Loïc Ménard,Imprimerie Ménard,Gérant,+33 2 99 30 31 70,loic@imprimerie-menard.fr,Rennes,Commandes le mercredi seulement',
      "Maïté Garçon,Voyages Évasion,Responsable des ventes,+33 5 56 21 65 00,maite@voyages-evasion.fr,Bordeaux,Séjours dans toute l'Europe",
    ]),
  },
  {
    language: 'Japanese',
    encodings: ['shift_jis'],
    csv: phonebook([
      '山田太郎,株式会社山田建設,工事部長,+81 3 1234 5678,t.yamada@yamada-kensetsu.co.jp,東京都,午後にお電話ください',
      '佐藤花子,佐藤会計事務所,税理士,+81 6 5555 0102,h.sato@sato-kaikei.jp,大阪市,請求書は金曜日までに送付',
      '鈴木一郎,北海道ビール醸造所,醸造責任者,+81 11 330 0118,suzuki@hokkaido-beer.jp,札幌市,毎週水曜日に試飲会',
      '高橋美咲,市立第三小学校,校長,+81 52 420 5550,takahashi@daisan-sho.ed.jp,名古屋市,保護者会は火曜日',
      '田中健太,田中自動車整備,工場長,+81 92 537 9020,tanaka@tanaka-seibi.jp,福岡市,車の受付は朝八時から',
      '伊藤由美,さくら薬局,薬剤師,+81 75 871 8700,ito@sakura-yakkyoku.jp,京都市,処方薬は前日までに注文',
      '渡辺誠,渡辺印刷所,代表取締役,+81 22 303 1700,watanabe@watanabe-insatsu.jp,仙台市,注文は水曜日のみ',
      '中村あゆみ,旅行会社ひかり,営業部長,+81 82 216 5000,nakamura@hikari-travel.jp,広島市,アジア各地へのツアー',
    ]),
  },
  {
    language: 'Chinese',
    encodings: ['gb18030'],
    csv: phonebook([
      '王伟,北京建筑工程有限公司,项目经理,+86 10 6512 3456,wangwei@bjjianzhu.cn,北京市,请下午打电话',
      '李娜,上海会计师事务所,注册会计师,+86 21 5555 0102,lina@shkuaiji.cn,上海市,发票请在周五前寄出',
      '张强,青岛啤酒厂,酿酒师,+86 532 8330 0118,zhangqiang@qdbeer.cn,青岛市,每周三有品酒会',
      '刘洋,广州第三小学,校长,+86 20 8420 5550,liuyang@gzsanxiao.edu.cn,广州市,家长会在星期二',
      '陈静,陈氏汽车维修,车间主任,+86 755 2537 9020,chenjing@chenqixiu.cn,深圳市,早上八点开始接车',
      '杨敏,康泰药房,药剂师,+86 28 8871 8700,yangmin@kangtai.cn,成都市,处方药请提前一天预订',
      '赵磊,赵氏印刷厂,总经理,+86 27 8303 1700,zhaolei@zhaoyinshua.cn,武汉市,只在星期三接受订单',
      '黄丽,阳光旅行社,销售经理,+86 571 8216 5000,huangli@yangguang.cn,杭州市,亚洲各地的旅游线路',
    ]),
  },
];

/** The sample encoded in `encoding`, checked to hold every character of the original. */
export function encodeSample(sample: LegacySample, encoding: SourceEncoding): Buffer {
  const bytes = iconv.encode(sample.csv, encoding);
  if (iconv.decode(bytes, encoding) !== sample.csv) throw new Error(`the ${sample.language} sample does not fit ${encoding}`);
  return bytes;
}
