"""The words of the demo: names, places, and what requesters and advisers write.

The texts are templates with slots (``{kommun}``, ``{ar}``, ``{uppv}`` …) that
``advice.demo.generator`` fills from each case's own facts, so the question, the stored
property facts and the adviser's answer agree with each other. Every question names the
answer that goes with it: a random answer from the right topic still reads wrong to
anyone who opens the case. The advice itself is meant to be right (tax reductions, rules,
typical prices) at the level of detail a first answer from an adviser would have.
"""

from __future__ import annotations

from typing import NamedTuple


class Question(NamedTuple):
    # Who asks: "house", "flat", "org" (BRF or landlord), "business", or "any".
    audience: str
    # The key of the matching answer in ANSWERS_SV or ANSWERS_EN, under the same topic.
    answer: str
    text: str
    # The heating systems the text assumes; the case's stored heating system is one of them.
    heating: tuple[str, ...] = ()


class Exchange(NamedTuple):
    """Two messages that belong together: one side writes, the other replies."""

    # The topics the exchange makes sense for; empty: every topic.
    topics: tuple[str, ...]
    first: str
    second: str


# --- People ---------------------------------------------------------------------------

FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Kerstin", "Ingrid",
    "Malin", "Jenny", "Hanna", "Linda", "Annika", "Susanne", "Elin", "Johanna", "Åsa", "Ulrika",
    "Camilla", "Sofia", "Helena", "Birgitta", "Ida", "Linnéa", "Märta", "Ebba", "Maja",
    "Gunilla", "Agneta", "Cecilia", "Therese", "Frida", "Matilda", "Elsa", "Astrid", "Fatima",
    "Leila", "Ingegärd",
    "Lars", "Mikael", "Anders", "Johan", "Erik", "Per", "Karl", "Peter", "Thomas", "Jan",
    "Daniel", "Fredrik", "Hans", "Andreas", "Stefan", "Mats", "Magnus", "Mattias", "Jonas",
    "Niklas", "Björn", "Bengt", "Göran", "Håkan", "Jörgen", "Åke", "Sören", "Mårten", "Måns",
    "Oskar", "Gustav", "Olof", "Ulf", "Henrik", "Kjell", "Leif", "Mohammed", "Ali", "Viktor",
    "Örjan",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lundgren",
    "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg",
    "Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Håkansson", "Björk", "Bergman",
    "Holm", "Wikström", "Nyström", "Holmberg", "Löfgren", "Söderberg", "Nyberg", "Blomqvist",
    "Nordström", "Mårtensson", "Björklund", "Åberg", "Öberg", "Ström", "Hedlund", "Sjögren",
    "Ekström", "Öhman", "Hassan", "Yilmaz", "Nguyen",
)  # fmt: skip

# Requesters who write in English are mostly people who have moved to Sweden.
INTERNATIONAL_FIRST_NAMES: tuple[str, ...] = (
    "James", "Sarah", "Priya", "David", "Emily", "Michael", "Laura", "Rahul", "Olga", "Wei",
    "Sophie", "Lucas",
)  # fmt: skip

INTERNATIONAL_SURNAMES: tuple[str, ...] = (
    "Smith", "Brown", "Patel", "Müller", "Novak", "Kowalski", "Rossi", "Chen", "García",
    "O'Brien",
)  # fmt: skip

# --- Places ---------------------------------------------------------------------------

# Municipality code → (inhabitants, share living in detached or terraced houses), rounded
# 2024 figures for Stockholm County. They only weight the demo: villa owners ask far more
# often than people in flats. A region without figures here gets MIDDLE_PROFILE for all.
MUNICIPALITY_PROFILES: dict[str, tuple[int, float]] = {
    "0114": (50_000, 0.35),  # Upplands Väsby
    "0115": (35_000, 0.65),  # Vallentuna
    "0117": (49_000, 0.60),  # Österåker
    "0120": (48_000, 0.75),  # Värmdö
    "0123": (86_000, 0.35),  # Järfälla
    "0125": (29_000, 0.80),  # Ekerö
    "0126": (116_000, 0.35),  # Huddinge
    "0127": (98_000, 0.35),  # Botkyrka
    "0128": (17_500, 0.45),  # Salem
    "0136": (98_000, 0.45),  # Haninge
    "0138": (49_000, 0.55),  # Tyresö
    "0139": (32_000, 0.50),  # Upplands-Bro
    "0140": (11_500, 0.75),  # Nykvarn
    "0160": (75_000, 0.50),  # Täby
    "0162": (33_000, 0.60),  # Danderyd
    "0163": (77_000, 0.50),  # Sollentuna
    "0180": (988_000, 0.08),  # Stockholm
    "0181": (103_000, 0.35),  # Södertälje
    "0182": (111_000, 0.40),  # Nacka
    "0183": (55_000, 0.08),  # Sundbyberg
    "0184": (87_000, 0.07),  # Solna
    "0186": (48_000, 0.45),  # Lidingö
    "0187": (12_000, 0.60),  # Vaxholm
    "0188": (65_000, 0.70),  # Norrtälje
    "0191": (53_000, 0.40),  # Sigtuna
    "0192": (30_000, 0.55),  # Nynäshamn
}
MIDDLE_PROFILE: tuple[int, float] = (50_000, 0.45)

# --- Houses and heating ---------------------------------------------------------------

# What a house owner thinking of a heat pump heats with today.
REPLACEABLE_HEATING: tuple[str, ...] = (
    "direct_electric",
    "electric_boiler",
    "oil",
    "pellets_wood",
    "air_air_heat_pump",
    "gas",
)

# How a requester names their heating in a sentence ("vi värmer med …").
HEATING_SV: dict[str, str] = {
    "district_heating": "fjärrvärme",
    "ground_source_heat_pump": "en bergvärmepump från tidigt 2000-tal",
    "air_water_heat_pump": "en luft/vattenvärmepump",
    "exhaust_air_heat_pump": "en frånluftsvärmepump",
    "air_air_heat_pump": "en luft/luftvärmepump och elradiatorer",
    "direct_electric": "direktverkande el",
    "electric_boiler": "en elpanna",
    "pellets_wood": "en pelletspanna",
    "oil": "en oljepanna",
    "gas": "en gaspanna",
    "other": "en vedpanna och el",
}
HEATING_EN: dict[str, str] = {
    "district_heating": "district heating",
    "ground_source_heat_pump": "an older ground source heat pump",
    "air_water_heat_pump": "an air-to-water heat pump",
    "exhaust_air_heat_pump": "an exhaust air heat pump",
    "air_air_heat_pump": "an air-to-air heat pump and electric radiators",
    "direct_electric": "direct electric heating",
    "electric_boiler": "an electric boiler",
    "pellets_wood": "a pellet boiler",
    "oil": "an oil boiler",
    "gas": "a gas boiler",
    "other": "a wood boiler and electricity",
}

# Property type → ways to say "a house" and "our house"; Swedish nouns carry a gender.
HOUSE_WORDS_SV: dict[str, tuple[tuple[str, str], ...]] = {
    "detached": (("en villa", "vår villa"),),
    "terraced": (
        ("ett radhus", "vårt radhus"),
        ("ett kedjehus", "vårt kedjehus"),
        ("ett parhus", "vårt parhus"),
    ),
    "holiday_home": (("ett fritidshus", "vårt fritidshus"),),
}
HOUSE_WORDS_EN: dict[str, str] = {
    "detached": "a detached house",
    "terraced": "a terraced house",
    "holiday_home": "a holiday home",
}

# --- Around the message ---------------------------------------------------------------

QUESTION_OPENINGS_SV: tuple[str, ...] = ("Hej!", "Hej,", "Hej rådgivningen!", "Hejsan!")
QUESTION_CLOSINGS_SV: tuple[str, ...] = (
    "Mvh {fornamn}",
    "Tack på förhand!\n{fornamn}",
    "Vänliga hälsningar\n{namn}",
    "Tacksam för svar.",
    "Tack för hjälpen!",
)
QUESTION_OPENINGS_EN: tuple[str, ...] = ("Hello,", "Hi!", "Dear adviser,")
QUESTION_CLOSINGS_EN: tuple[str, ...] = (
    "Thanks in advance,\n{first_name}",
    "Best regards\n{name}",
    "Thank you!",
)

REPLY_GREETINGS_SV: tuple[str, ...] = ("Hej {fornamn}!", "Hej {fornamn},", "Hej!")
REPLY_CLOSINGS_SV: tuple[str, ...] = (
    "Hör gärna av dig om du har fler frågor.",
    "Lycka till med projektet!",
    "Välkommen att höra av dig igen om något är oklart.",
    "Svara gärna här i ärendet om du vill att vi går vidare.",
)
REPLY_SIGNATURE_SV = "Vänliga hälsningar\n{radgivare}\nEnergi- och klimatrådgivare\n{kontor}"

REPLY_GREETINGS_EN: tuple[str, ...] = ("Hi {first_name},", "Dear {first_name},", "Hello,")
REPLY_CLOSINGS_EN: tuple[str, ...] = (
    "Feel free to get in touch if you have more questions.",
    "Good luck with your project!",
)
REPLY_SIGNATURE_EN = "Kind regards\n{adviser}\nEnergy and climate adviser\n{office}"

# --- Questions and the answers that go with them ---------------------------------------

QUESTIONS_SV: dict[str, tuple[Question, ...]] = {
    "heating": (
        Question(
            "house",
            "choice",
            "Vi har {ett_hus} i {kommun} från {ar} på ungefär {yta} kvm som värms med "
            "{uppv}. Vi funderar på att byta till värmepump men vet inte om vi ska välja "
            "bergvärme eller luft/vatten. Vad är för- och nackdelarna, och vad brukar det "
            "kosta?",
            heating=REPLACEABLE_HEATING,
        ),
        Question(
            "house",
            "offer",
            "Vi har fått en offert på bergvärme för {kr} kr inklusive borrning. Huset är "
            "{ett_hus} från {ar}, cirka {yta} kvm, och i dag har vi {uppv}. Är priset "
            "rimligt och hur djupt brukar man behöva borra?",
            heating=REPLACEABLE_HEATING,
        ),
        Question(
            "house",
            "air_to_air",
            "Vår elförbrukning ligger på runt {kwh} kWh per år och vi värmer med {uppv}. "
            "Skulle en luft/luftvärmepump räcka för att få ner kostnaderna, eller är det "
            "bättre att satsa på ett vattenburet system direkt?",
            heating=("direct_electric",),
        ),
        Question(
            "house",
            "sizing",
            "Hur jämför jag värmepumpar från olika tillverkare? Säljarna pratar om SCOP, "
            "dimensionerande effekt och täckningsgrad, och jag har svårt att veta vad som är "
            "viktigt för {ett_hus} på {yta} kvm.",
        ),
        Question(
            "house",
            "exhaust_air",
            "Vi har en frånluftsvärmepump som snart är 20 år gammal och börjar låta mycket. "
            "Ska vi byta till en ny frånluftsvärmepump eller finns det bättre alternativ för "
            "ett hus från {ar}?",
            heating=("exhaust_air_heat_pump",),
        ),
        Question(
            "house",
            "choice",
            "Vi har direktverkande el i hela huset och inget vattenburet system. Vad skulle "
            "det ungefär kosta att dra in vattenburen värme i {ett_hus} på {yta} kvm, och "
            "lönar det sig?",
            heating=("direct_electric",),
        ),
        Question(
            "house",
            "sizing",
            "Installatören vill sätta in en värmepump på 12 kW i {vart_hus} på {yta} kvm. "
            "Hur vet jag att den är rätt dimensionerad och inte för stor?",
        ),
        Question(
            "org",
            "cooperative",
            "Vi är en bostadsrättsförening med {lgh} lägenheter i ett hus från {ar} med "
            "fjärrvärme. Styrelsen har fått förslag om att komplettera med "
            "frånluftsvärmepumpar. Hur räknar man på lönsamheten och vad ska vi tänka på?",
            heating=("district_heating",),
        ),
        Question(
            "org",
            "cooperative",
            "Fastigheten på {yta} kvm Atemp värms med fjärrvärme. En leverantör föreslår att "
            "vi går över helt till bergvärme. Hur gör vi en oberoende kalkyl och vilka "
            "risker finns?",
            heating=("district_heating",),
        ),
        Question(
            "flat",
            "cold_flat",
            "Det är kallt i vår lägenhet trots att elementen står på max. Hyresvärden säger "
            "att allt är som det ska. Vad är en rimlig inomhustemperatur och vart kan vi "
            "vända oss?",
        ),
        Question(
            "any",
            "noise",
            "Grannen har installerat en luft/vattenvärmepump och utedelen står nära "
            "tomtgränsen och låter en del, särskilt på natten. Finns det regler för var man "
            "får placera utedelen och hur mycket den får låta? Vi bor i {kommun}.",
        ),
    ),
    "district_heating": (
        Question(
            "house",
            "switch",
            "Vi har fjärrvärme i {vart_hus} i {kommun} och priset har höjts med {procent} "
            "procent i år. Är det lönsamt att byta till bergvärme eller luft/vattenvärmepump "
            "i stället?",
            heating=("district_heating",),
        ),
        Question(
            "house",
            "connection",
            "Vi har möjlighet att ansluta oss till fjärrvärme där vi bor. "
            "Anslutningsavgiften är {kr} kr och i dag har vi {uppv}. Hur jämför man det med "
            "en värmepump på lång sikt?",
            heating=REPLACEABLE_HEATING,
        ),
        Question(
            "org",
            "return_temperature",
            "Vår förening ({lgh} lägenheter, byggt {ar}) har fjärrvärme och kostnaden ökar "
            "hela tiden. Vi har hört att man kan sänka returtemperaturen och få bättre pris. "
            "Hur går man till väga?",
            heating=("district_heating",),
        ),
        Question(
            "org",
            "substation",
            "Vi äger ett flerbostadshus på {yta} kvm med fjärrvärme. Vad ska vi tänka på "
            "inför att fjärrvärmecentralen ska bytas, och kan vi samtidigt komplettera med "
            "solvärme eller värmepump?",
            heating=("district_heating",),
        ),
        Question(
            "org",
            "fixed_price",
            "Vår fjärrvärmeleverantör erbjuder ett avtal med fast pris i tre år. Är det ett "
            "bra alternativ för en bostadsrättsförening?",
            heating=("district_heating",),
        ),
        Question(
            "flat",
            "price_differences",
            "Varför är fjärrvärmen dyrare i vissa kommuner än i andra? Vi bor i lägenhet och "
            "undrar om det påverkar vår avgift.",
        ),
        Question(
            "any",
            "power_charge",
            "Fjärrvärmebolaget har infört en ny prismodell med effektavgift. Hur fungerar "
            "den och vad kan vi göra för att sänka vår kostnad?",
            heating=("district_heating",),
        ),
    ),
    "solar": (
        Question(
            "house",
            "size",
            "Vi funderar på solceller på taket till {vart_hus} i {kommun}. Taket lutar mot "
            "söder. Hur stor anläggning är rimlig och vad kan vi räkna med att den "
            "producerar per år?",
        ),
        Question(
            "house",
            "offer",
            "Vi har fått en offert på solceller, {kwp} kW för {kr} kr före avdrag. Är det "
            "ett bra pris och hur lång blir återbetalningstiden?",
        ),
        Question(
            "house",
            "battery",
            "Lönar det sig att komplettera solcellerna med ett batteri? Vi har haft en "
            "anläggning på {kwp} kW i två år och säljer mycket el mitt på dagen.",
        ),
        Question(
            "house",
            "permit",
            "Behöver man bygglov för solceller? Vårt hus ligger i {kommun} och jag vet inte "
            "om det finns någon detaljplan som påverkar.",
        ),
        Question(
            "house",
            "surplus",
            "Hur fungerar det med försäljning av överskottsel från solceller? Vad får man "
            "betalt och behöver man något särskilt avtal med nätbolaget?",
        ),
        Question(
            "house",
            "solar_thermal",
            "Vi överväger solfångare för varmvattnet i stället för solceller. Vilket är bäst "
            "för {ett_hus} med {uppv}?",
        ),
        Question(
            "org",
            "cooperative",
            "Vi i styrelsen för en bostadsrättsförening med {lgh} lägenheter vill utreda "
            "solceller på taket. Hur fungerar det när elen ska räcka till både fastighetsel "
            "och lägenheterna, och vilka stöd finns för föreningar?",
        ),
        Question(
            "business",
            "business",
            "Vi har en lagerlokal på {yta} kvm med stort platt tak. Hur räknar vi på "
            "solceller och finns det något stöd för företag?",
        ),
        Question(
            "flat",
            "balcony",
            "Jag bor i lägenhet med balkong i söderläge. Går det att sätta upp små "
            "solpaneler på balkongen och koppla in dem i ett vanligt uttag?",
        ),
    ),
    "insulation": (
        Question(
            "house",
            "attic",
            "Vi har {ett_hus} från {ar} med kallvind och bara runt 15 cm isolering i "
            "vindsbjälklaget. Är det lönsamt att tilläggsisolera och hur mycket bör man "
            "lägga på?",
        ),
        Question(
            "house",
            "windows",
            "Det drar kallt från fönstren i vårt hus från {ar}. Ska vi byta fönster eller "
            "räcker det att byta tätningslister och kanske sätta in ett extra glas? Vi har "
            "fått en offert på nya fönster för {kr} kr.",
        ),
        Question(
            "house",
            "facade",
            "Vi ska byta fasad på {vart_hus} och funderar på att tilläggsisolera utvändigt "
            "samtidigt. Vad ska vi tänka på för att inte få fuktproblem?",
        ),
        Question(
            "house",
            "thermography",
            "Hur vet man var huset läcker värme? Vi har hört talas om termografering och "
            "täthetsprovning. Vad kostar det och vad får man ut av det?",
        ),
        Question(
            "house",
            "basement",
            "Källaren i vårt hus från {ar} är kall och lite fuktig. Kan vi isolera "
            "källarväggarna invändigt eller är det en dålig idé?",
        ),
        Question(
            "org",
            "cooperative_windows",
            "Föreningen planerar fönsterbyte i hela huset ({lgh} lägenheter). Vilket U-värde "
            "ska vi kräva och finns det alternativ som är billigare än att byta hela "
            "fönstren?",
        ),
        Question(
            "any",
            "u_value",
            "Vad betyder U-värde och vilket U-värde är rimligt att kräva när man byter fönster?",
        ),
    ),
    "ventilation": (
        Question(
            "house",
            "condensation",
            "Vi har självdrag i vårt hus från {ar} och har fått kondens på insidan av "
            "fönstren i vinter. Behöver vi installera mekanisk ventilation, och vad är i så "
            "fall bäst: frånluft eller FTX?",
        ),
        Question(
            "house",
            "ftx",
            "Lönar det sig att installera FTX-ventilation i {ett_hus} på {yta} kvm? Vi har "
            "hört att man sparar mycket energi men att det är dyrt.",
        ),
        Question(
            "house",
            "open_window",
            "Kan man ha frånluftsvärmepump och samtidigt sova med öppet fönster? Jag har "
            "hört att det påverkar verkningsgraden.",
            heating=("exhaust_air_heat_pump",),
        ),
        Question(
            "house",
            "radon",
            "Vi har mätt radon i huset och fick värden över referensnivån. Kan bättre "
            "ventilation lösa det?",
        ),
        Question(
            "flat",
            "cooking_smells",
            "Det luktar matos från grannarna i vår lägenhet och luften känns instängd. Vad "
            "kan vi göra och vem ansvarar för ventilationen i en bostadsrätt?",
        ),
        Question(
            "flat",
            "summer_heat",
            "Det blir väldigt varmt i vår lägenhet på sommaren, över 28 grader. Vad kan vi "
            "göra utan att installera luftkonditionering?",
        ),
        Question(
            "org",
            "ovk",
            "Vår förening har fått anmärkningar i OVK-besiktningen. Vad innebär det och hur "
            "snabbt måste vi åtgärda bristerna?",
        ),
    ),
    "electricity_prices": (
        Question(
            "house",
            "fixed_or_variable",
            "Ska vi välja fast eller rörligt elpris? Vi förbrukar ungefär {kwh} kWh per år "
            "och värmer med {uppv}.",
        ),
        Question(
            "house",
            "power_charge",
            "Vårt nätbolag har infört effektavgift. Hur påverkar det oss och hur kan vi "
            "undvika höga toppar?",
        ),
        Question(
            "house",
            "smart_control",
            "Lönar det sig att styra värmepumpen och varmvattnet efter elpriset med en smart "
            "styrning? Säljaren lovar att vi sparar 20 procent.",
        ),
        Question(
            "flat",
            "high_bill",
            "Min elräkning var på {manadskostnad} kr i januari trots att jag bor i en tvåa. "
            "Är det rimligt? Jag har timpris.",
        ),
        Question(
            "flat",
            "phone_sales",
            "Jag blev uppringd av ett elbolag som påstod att mitt avtal löper ut och att jag "
            "måste byta. Jag tackade ja men ångrar mig nu. Vad gäller?",
        ),
        Question(
            "business",
            "business",
            "Vi är ett mindre företag med en årsförbrukning på ungefär {kwh_foretag} kWh. "
            "Hur ska vi tänka kring elavtal, och är det värt att binda priset?",
        ),
        Question(
            "any",
            "grid_and_supplier",
            "Vad är skillnaden mellan elhandelsbolag och elnätsbolag, och varför får jag två "
            "fakturor?",
        ),
        Question(
            "any",
            "quarter_hour",
            "Mitt elbolag vill att jag byter till ett avtal med kvartspris. Vad innebär det "
            "och passar det mig?",
        ),
    ),
    "energy_use": (
        Question(
            "house",
            "compare",
            "Vi använder {kwh} kWh el per år i vårt hus på {yta} kvm med {uppv}. Är det "
            "mycket jämfört med liknande hus, och var ska vi börja för att få ner det?",
        ),
        Question(
            "house",
            "increase",
            "Elförbrukningen har ökat med nästan 30 procent jämfört med förra året utan att "
            "vi har ändrat något. Vad kan det bero på?",
        ),
        Question(
            "house",
            "hot_water",
            "Hur mycket energi går åt till varmvatten, och lönar det sig att byta till "
            "snålspolande duschmunstycken och blandare?",
        ),
        Question(
            "flat",
            "flat_metering",
            "Hur kan jag ta reda på vad som drar mest el i min lägenhet? Jag har köpt en "
            "energimätare till vägguttaget men vet inte hur jag ska tolka siffrorna.",
        ),
        Question(
            "org",
            "cooperative",
            "Hur kan vår förening följa upp energianvändningen bättre? Vi får bara en "
            "faktura i månaden från fjärrvärmebolaget och nätbolaget.",
        ),
        Question(
            "business",
            "shop",
            "Vi har en liten butik och elräkningen är hög. Var brukar de stora "
            "energitjuvarna finnas i en lokal?",
        ),
        Question(
            "any",
            "one_degree",
            "Stämmer det att man sparar ungefär 5 procent per grad man sänker inomhustemperaturen?",
        ),
    ),
    "transport": (
        Question(
            "house",
            "charger",
            "Vi ska köpa elbil och vill installera en laddbox hemma. Vilken effekt behöver "
            "vi och räcker vår huvudsäkring på 20 A?",
        ),
        Question(
            "house",
            "switch_car",
            "Lönar det sig att byta vår bensinbil mot en elbil? Vi kör ungefär 1 500 mil per år.",
        ),
        Question(
            "house",
            "solar_charging",
            "Kan man ladda elbilen med el från solcellerna, och är det värt att köpa en "
            "smart laddbox för det?",
        ),
        Question(
            "flat",
            "brf_member",
            "Jag bor i en bostadsrättsförening och vill kunna ladda min elbil på min "
            "parkeringsplats. Styrelsen säger nej. Har jag rätt att installera en laddbox "
            "själv?",
        ),
        Question(
            "org",
            "cooperative",
            "Vår förening med {lgh} lägenheter vill installera laddplatser på gården. Hur "
            "ska vi tänka kring antal platser, lastbalansering och debitering, och finns det "
            "något stöd?",
        ),
        Question(
            "business",
            "workplace",
            "Vi vill erbjuda laddning till personalen. Hur gör vi med förmånsbeskattning och "
            "vilka stöd finns för laddinfrastruktur på arbetsplatsen?",
        ),
        Question(
            "any",
            "e_bike",
            "Vi funderar på att skaffa elcykel i stället för en andra bil. Finns det något "
            "bidrag och är det rimligt för pendling på 15 km?",
        ),
    ),
    "grants": (
        Question(
            "house",
            "heating_switch",
            "Vilka bidrag och avdrag finns det om vi vill byta från {uppv} till värmepump i "
            "{vart_hus} i {kommun}?",
            heating=REPLACEABLE_HEATING,
        ),
        Question(
            "house",
            "rot_or_green",
            "Kan man få både ROT-avdrag och grönt avdrag på samma installation? Vi ska sätta "
            "in solceller och batteri.",
        ),
        Question(
            "house",
            "financing",
            "Vi har ett hus från {ar} och vill göra flera åtgärder på en gång: "
            "tilläggsisolering, nya fönster och ny värmepump. Finns det något energilån "
            "eller annan förmånlig finansiering?",
        ),
        Question(
            "house",
            "green_in_practice",
            "Hur fungerar grönt avdrag i praktiken? Måste jag ansöka själv hos Skatteverket?",
        ),
        Question(
            "org",
            "cooperative",
            "Finns det bidrag för bostadsrättsföreningar som vill energieffektivisera? Vi "
            "har {lgh} lägenheter och planerar ett större underhållsprojekt.",
        ),
        Question(
            "business",
            "business",
            "Vilka stöd finns för små företag som vill investera i energieffektivisering "
            "eller solceller?",
        ),
        Question(
            "any",
            "new_grant",
            "Jag har hört talas om ett nytt bidrag för energieffektivisering av villor. "
            "Finns det och hur söker man?",
        ),
    ),
    "energy_certificate": (
        Question(
            "house",
            "selling",
            "Vi ska sälja {vart_hus} i {kommun}. Måste vi ha en energideklaration och vad "
            "kostar den?",
        ),
        Question(
            "house",
            "energy_class",
            "Vi har fått energiklass F i energideklarationen för vårt hus från {ar}. Vad "
            "betyder det och vilka åtgärder skulle höja klassen?",
        ),
        Question(
            "house",
            "deviation",
            "Jag har köpt ett hus och i energideklarationen står det att byggnaden använder "
            "betydligt mindre energi än vad vi gör. Hur kan det skilja så mycket?",
        ),
        Question(
            "org",
            "renewal",
            "Vår förenings energideklaration gjordes för tio år sedan. Måste vi göra en ny, "
            "och vad händer om vi inte gör det?",
        ),
        Question(
            "org",
            "expert",
            "Vilka krav ställs på energiexperten som gör energideklarationen, och vad bör vi "
            "be om för att få bra åtgärdsförslag?",
        ),
        Question(
            "org",
            "rented_premises",
            "Vi hyr ut en lokal på {yta} kvm. Behöver vi en energideklaration för den?",
        ),
        Question(
            "any",
            "find",
            "Hur hittar jag energideklarationen för en fastighet som jag funderar på att köpa?",
        ),
    ),
    "brf": (
        Question(
            "org",
            "start",
            "Jag sitter i styrelsen för en bostadsrättsförening med {lgh} lägenheter, byggd "
            "{ar}. Var ska vi börja med energiarbetet? Vi har ingen energiplan i dag.",
        ),
        Question(
            "org",
            "hot_water_metering",
            "Vår förening funderar på att införa individuell mätning och debitering av "
            "varmvatten. Lönar det sig och vad säger reglerna?",
        ),
        Question(
            "org",
            "engagement",
            "Hur kan vi få medlemmarna att spara energi? Vi har provat informationsblad i "
            "trappuppgången men det verkar inte hjälpa.",
        ),
        Question(
            "org",
            "pipe_renovation",
            "Vi ska göra stambyte nästa år. Vilka energiåtgärder är smarta att göra samtidigt?",
        ),
        Question(
            "org",
            "common_electricity",
            "Föreningens fastighetsel har ökat mycket. Vad brukar dra mest i gemensamma "
            "utrymmen och vad kan vi göra?",
        ),
        Question(
            "org",
            "networks",
            "Finns det nätverk eller utbildningar för bostadsrättsföreningar som vill "
            "energieffektivisera?",
        ),
        Question(
            "flat",
            "motion",
            "Jag bor i en bostadsrätt och vill att föreningen ska arbeta mer med "
            "energifrågor. Hur skriver jag en motion som har chans att gå igenom?",
        ),
    ),
    "business": (
        Question(
            "business",
            "start",
            "Vi är ett tillverkningsföretag med {anstallda} anställda och vill minska vår "
            "energianvändning. Var börjar vi?",
        ),
        Question(
            "business",
            "office_ventilation",
            "Vår kontorslokal på {yta} kvm har ventilation som går dygnet runt. Kan vi styra "
            "den efter när vi är på plats?",
        ),
        Question(
            "business",
            "restaurant",
            "Vi har en restaurang i {kommun} och elräkningen är hög. Vilka åtgärder ger "
            "snabbast effekt i ett storkök?",
        ),
        Question(
            "business",
            "audit",
            "Hur gör man en energikartläggning, och måste vi göra en enligt lag?",
        ),
        Question(
            "business",
            "oil_boiler",
            "Vi har ett mindre lager som värms med oljepanna. Vilka alternativ finns och "
            "finns det stöd för att byta?",
        ),
        Question(
            "business",
            "footprint",
            "Våra kunder frågar om vårt klimatavtryck. Hur kan ett litet företag räkna på "
            "sin energianvändning och sina utsläpp?",
        ),
        Question(
            "business",
            "club_house",
            "Vi är en idrottsförening med egen klubbstuga och en gammal elpanna. Hur kan vi "
            "sänka kostnaderna?",
        ),
    ),
    "other": (
        Question(
            "any",
            "climate",
            "Jag vill minska mitt hushålls klimatpåverkan men vet inte var jag ska börja. "
            "Vad ger mest effekt?",
        ),
        Question(
            "any",
            "service",
            "Hur fungerar energi- och klimatrådgivningen? Kan ni komma hem till oss och "
            "titta på huset?",
        ),
        Question(
            "any",
            "door_to_door",
            "Jag har blivit uppringd av ett företag som erbjuder gratis energibesiktning och "
            "sedan vill sälja värmepump. Är det seriöst?",
        ),
        Question(
            "any",
            "installer",
            "Kan ni rekommendera en bra installatör för solceller i {kommun}?",
        ),
        Question(
            "any",
            "talk",
            "Jag vill ordna ett föredrag om energi för min pensionärsförening. Kan ni komma "
            "och prata?",
        ),
        Question(
            "house",
            "new_house",
            "Vi ska bygga ett nytt hus i {kommun}. Vad ska vi tänka på för att det ska bli "
            "energieffektivt?",
        ),
        Question(
            "house",
            "holiday_home",
            "Vi har ett fritidshus som vi vill kunna använda året runt. Vad behöver vi göra "
            "för att det inte ska bli jättedyrt att värma upp?",
        ),
    ),
}

ANSWERS_SV: dict[str, dict[str, str]] = {
    "heating": {
        "choice": (
            "Både bergvärme och luft/vattenvärmepump kan fungera bra i ert hus. Bergvärme "
            "har högre investeringskostnad, ofta 150 000–250 000 kr inklusive borrning, men "
            "ger jämn verkningsgrad året runt eftersom berget håller ungefär samma "
            "temperatur. En luft/vattenvärmepump är billigare att installera men "
            "verkningsgraden sjunker när det är som kallast ute, och utedelen behöver "
            "placeras med hänsyn till ljud.\n\n"
            "Eftersom ni i dag har {uppv} behöver ni också ett vattenburet system om det "
            "inte redan finns, och den kostnaden avgör ofta kalkylen. Borrhål för bergvärme "
            "ska anmälas till eller ha tillstånd från kommunens miljöförvaltning innan man "
            "borrar. Be om minst tre offerter där effekt, förväntad årsvärmefaktor och vad "
            "som ingår står tydligt, så blir de lättare att jämföra. Arbetskostnaden ger "
            "rätt till ROT-avdrag."
        ),
        "offer": (
            "En offert på {kr} kr för bergvärme ligger inom det spann vi brukar se, men "
            "priset beror mycket på borrdjup, markförhållanden och om det ingår ny "
            "varmvattenberedare, elarbeten och återställning av tomten. Borrdjupet bestäms "
            "av husets värmebehov; för ett hus på {yta} kvm hamnar det ofta på 120–200 "
            "meter.\n\n"
            "Kontrollera att offerten anger dimensionerande effekt och täckningsgrad och att "
            "installatören är certifierad för värmepumpsinstallation. Jämför gärna med "
            "ytterligare en offert innan ni bestämmer er."
        ),
        "air_to_air": (
            "En luft/luftvärmepump är en relativt billig åtgärd, ofta 25 000–40 000 kr "
            "installerad, som kan minska elanvändningen för uppvärmning med en tredjedel "
            "eller mer i ett hus med direktverkande el, särskilt om planlösningen är öppen "
            "så att värmen sprids. Den värmer däremot inte varmvattnet och räcker sällan "
            "ensam de kallaste dagarna.\n\n"
            "Med en förbrukning på {kwh} kWh per år är det ett rimligt första steg om ni "
            "saknar vattenburen värme. Vill ni ha större besparing och bättre komfort på "
            "sikt är ett vattenburet system med bergvärme eller luft/vattenvärmepump nästa "
            "steg, men då är investeringen betydligt högre."
        ),
        "sizing": (
            "SCOP anger hur mycket värme pumpen ger per kilowattimme el över en hel säsong; "
            "ju högre värde desto bättre, men jämför värden för samma klimatzon och "
            "framledningstemperatur. Ännu viktigare är att pumpen är rätt dimensionerad: en "
            "för stor pump går i korta cykler och slits, och en för liten gör att elpatronen "
            "får arbeta mycket.\n\n"
            "Be installatören visa en effektberäkning för huset. Energimyndigheten har "
            "testat många värmepumpar och resultaten är fria att läsa."
        ),
        "exhaust_air": (
            "En frånluftsvärmepump tar tillvara värmen i ventilationsluften och passar hus "
            "som är byggda för det. Efter omkring 20 år är ett byte ofta rimligt, och dagens "
            "frånluftsvärmepumpar är effektivare och varvtalsstyrda.\n\n"
            "Alternativet är att gå över till bergvärme eller luft/vattenvärmepump, men då "
            "behöver ventilationen lösas på annat sätt, till exempel med en frånluftsfläkt. "
            "Be installatören räkna på båda alternativen och se till att ventilationsflödet "
            "justeras in efter bytet."
        ),
        "cooperative": (
            "För en förening är det klokt att börja med en förstudie från en oberoende "
            "konsult, där nuvarande fjärrvärmekostnad jämförs med investering, drift och "
            "underhåll för värmepumpslösningen över hela livslängden. Räkna med olika "
            "scenarier för el- och fjärrvärmepris och ta med effektavgifterna hos både nät- "
            "och fjärrvärmebolaget.\n\n"
            "Både frånluftsvärmepumpar som komplement till fjärrvärme och bergvärme kan ge "
            "god lönsamhet i hus från {ar}, men kalkylen är känslig för elpriset och för hur "
            "väl ventilation och värmesystem fungerar. Vi tittar gärna på underlaget när ni "
            "har det."
        ),
        "cold_flat": (
            "Folkhälsomyndighetens allmänna råd anger att inomhustemperaturen inte bör "
            "understiga 18 °C, och för känsliga grupper som äldre och små barn rekommenderas "
            "minst 20 °C. Be hyresvärden mäta temperaturen och kontrollera att elementen är "
            "injusterade och luftade.\n\n"
            "Om problemet kvarstår kan du vända dig till miljöförvaltningen i {kommun}, som "
            "har tillsyn över inomhusmiljön i bostäder."
        ),
        "noise": (
            "Placeringen av utedelen regleras inte i detalj, men buller från en värmepump "
            "kan vara en olägenhet enligt miljöbalken. Börja med att prata med grannen; ofta "
            "går det att sänka ljudet genom att flytta utedelen, sätta upp en ljudskärm "
            "eller ändra inställningarna för nattdrift.\n\n"
            "Hjälper inte det kan du kontakta miljöförvaltningen i {kommun}, som kan bedöma "
            "om ljudet är en olägenhet."
        ),
    },
    "district_heating": {
        "switch": (
            "Fjärrvärmepriset sätts av det lokala fjärrvärmebolaget och består oftast av en "
            "fast avgift, en effekt- eller abonnemangsavgift och ett energipris som varierar "
            "över året. Innan ni byter är det bra att räkna på hela kalkylen: en värmepump "
            "kostar ofta 150 000–250 000 kr att installera, håller 15–20 år och drivs med el "
            "som också varierar i pris. Fjärrvärme har låga underhållskostnader och ingen "
            "egen utrustning som behöver bytas.\n\n"
            "Ta gärna fram er faktiska energianvändning för de senaste åren, så hjälper vi "
            "er att jämföra."
        ),
        "power_charge": (
            "Med en effektavgift betalar ni delvis efter det högsta värmeeffektuttaget under "
            "en period, ofta de kallaste dygnen. Ni kan påverka den genom att undvika "
            "toppar, till exempel genom att inte höja temperaturen kraftigt efter en "
            "nattsänkning och genom att se till att värmesystemet är injusterat. Ett bättre "
            "isolerat och tätare hus sänker också effektbehovet.\n\n"
            "Fråga fjärrvärmebolaget om ni kan se ert effektuttag per timme i deras "
            "kundportal."
        ),
        "return_temperature": (
            "Många fjärrvärmebolag ger lägre pris eller en bonus när returtemperaturen är "
            "låg, eftersom det gör nätet effektivare. De vanligaste åtgärderna är att "
            "injustera radiatorsystemet, byta eller ställa in termostatventiler och se över "
            "inställningarna i fjärrvärmecentralen.\n\n"
            "Be en VVS-konsult göra en injustering och be fjärrvärmebolaget om statistik "
            "över er returtemperatur före och efter, så ser ni effekten."
        ),
        "fixed_price": (
            "Ett fastprisavtal ger förutsägbarhet men är inte alltid billigare över tid. "
            "Jämför avtalet med det rörliga priset under de senaste åren och kontrollera vad "
            "som händer när avtalet löper ut. Många fjärrvärmebolag deltar i Prisdialogen, "
            "där kunderna får insyn i hur priset förändras.\n\n"
            "Fråga bolaget om ni kan få ta del av deras prisprognos för de kommande åren."
        ),
        "connection": (
            "Jämför totalkostnaden över 20 år: för fjärrvärme anslutningsavgift, fast avgift "
            "och energipris; för värmepump investering, el, service och ett kompressorbyte "
            "någon gång under perioden. Med en anslutningsavgift på {kr} kr blir fjärrvärme "
            "ofta konkurrenskraftigt, särskilt om huset redan har ett vattenburet "
            "värmesystem.\n\n"
            "Fråga fjärrvärmebolaget om prisutvecklingen de senaste åren och om det finns "
            "ett avtal med prisgaranti."
        ),
        "price_differences": (
            "Fjärrvärmepriset skiljer sig mellan orter eftersom varje nät har sina egna "
            "produktionsanläggningar, bränslen och kostnader. Den årliga Nils "
            "Holgersson-rapporten jämför bland annat fjärrvärmekostnader mellan kommuner.\n\n"
            "För dig som bor i lägenhet ingår uppvärmningen oftast i avgiften eller hyran, "
            "så prisskillnader påverkar dig indirekt via föreningens eller hyresvärdens "
            "kostnader."
        ),
        "substation": (
            "När fjärrvärmecentralen byts är det ett bra tillfälle att se över hela "
            "värmesystemet: välj en central som är dimensionerad för dagens behov, med "
            "styrning som ger låg returtemperatur, och injustera radiatorsystemet samtidigt.\n\n"
            "Komplettering med frånluftsvärmepump eller solvärme kan fungera, men "
            "kontrollera först fjärrvärmebolagets villkor och prismodell, eftersom "
            "lönsamheten beror på hur mycket fjärrvärme som ersätts, och när på året. Be om "
            "en oberoende förstudie innan ni bestämmer er."
        ),
    },
    "solar": {
        "size": (
            "En solcellsanläggning i söderläge ger här ungefär 850–1 000 kWh per installerad "
            "kilowatt och år, så {kwp} kW kan ge omkring {solprod} kWh per år. Lönsamheten "
            "avgörs av hur stor del av elen ni använder själva, eftersom köpt el kostar mer "
            "än vad ni får för överskottet.\n\n"
            "Skattereduktionen för grön teknik är 15 procent av kostnaden för arbete och "
            "material för solceller och görs direkt på fakturan. Be om offerter från minst "
            "tre installatörer och jämför pris per installerad kilowatt."
        ),
        "offer": (
            "Jämför pris per installerad kilowatt, men titta också på vad som ingår: "
            "växelriktare, montage, elarbete, föranmälan till nätbolaget och garantier. "
            "Panelerna har ofta 25 års effektgaranti, medan växelriktaren normalt behöver "
            "bytas en gång under livslängden.\n\n"
            "Återbetalningstiden ligger ofta på 10–15 år och beror mest på hur mycket av "
            "elen ni använder själva och på framtida elpriser. {kr} kr för {kwp} kW ligger "
            "inom det vanliga spannet, men ta gärna in fler offerter."
        ),
        "battery": (
            "Ett batteri gör att ni kan använda mer av er egen solel, men enbart för det "
            "brukar det sällan löna sig med dagens batteripriser. Lönsamheten blir bättre om "
            "ni har en effektavgift på elnätet som batteriet kan sänka, eller om batteriet "
            "används för stödtjänster till elnätet.\n\n"
            "Skattereduktionen för grön teknik är 50 procent för batterier som lagrar "
            "egenproducerad el. Räkna på er faktiska förbrukning timme för timme innan ni "
            "bestämmer er."
        ),
        "permit": (
            "Solceller och solfångare på byggnader behöver i många fall inget bygglov om de "
            "följer takets form, men det finns undantag, till exempel i områden som är "
            "utpekade som kulturhistoriskt värdefulla eller där detaljplanen säger något "
            "annat.\n\n"
            "Kontakta bygglovsenheten i {kommun} för att få besked för just er fastighet "
            "innan ni beställer."
        ),
        "surplus": (
            "Elnätsbolaget ska få en föranmälan innan anläggningen installeras, vilket "
            "installatören oftast sköter. För att sälja överskottet tecknar ni ett avtal med "
            "ett elhandelsbolag, och ersättningen följer oftast spotpriset med ett litet "
            "påslag eller avdrag.\n\n"
            "Mitt på dagen på sommaren, när solelen är som störst, är priset ofta lågt. Det "
            "är därför den el ni använder själva som ger störst värde."
        ),
        "solar_thermal": (
            "Solfångare värmer vatten och passar bäst där det finns ett vattenburet system "
            "och en ackumulatortank, till exempel tillsammans med pelletspanna eller "
            "vedpanna. Med {uppv} ger solceller oftast mer nytta för pengarna, eftersom elen "
            "kan användas till allt i huset.\n\n"
            "Solfångare kan ändå vara intressant om ni planerar att byta till ett system med "
            "ackumulatortank."
        ),
        "cooperative": (
            "I en bostadsrättsförening är det vanligast att solelen används som "
            "fastighetsel, till exempel till tvättstuga, belysning, hiss, ventilation och "
            "eventuella värmepumpar. Om elen även ska räcka till lägenheterna krävs gemensam "
            "mätning, där föreningen köper all el och debiterar medlemmarna, vilket kräver "
            "både beslut på stämman och ombyggd mätning.\n\n"
            "Skattereduktionen för grön teknik gäller privatpersoner, inte föreningar. Be om "
            "en förstudie som visar hur stor del av solelen föreningen kan använda själv."
        ),
        "business": (
            "För företag räknas lönsamheten som för andra investeringar: produktion per år, "
            "hur stor del som används i verksamheten och vad köpt el kostar inklusive "
            "nätavgift och skatt. Stora platta tak passar ofta bra, men kontrollera takets "
            "bärighet och skick först.\n\n"
            "Företag kan inte använda skattereduktionen för grön teknik, men kan skriva av "
            "investeringen. Vi hjälper gärna till att granska en kalkyl."
        ),
        "balcony": (
            "Enligt Elsäkerhetsverket får solpaneler inte anslutas via ett vanligt "
            "vägguttag. En solcellsanläggning ska installeras av ett registrerat "
            "elinstallationsföretag och anmälas till nätbolaget. I en bostadsrätt behöver du "
            "dessutom föreningens tillstånd för att montera något på fasad eller balkong.\n\n"
            "Vill du bidra till mer solel kan du föreslå en gemensam anläggning för "
            "föreningen."
        ),
    },
    "insulation": {
        "attic": (
            "Tilläggsisolering av vindsbjälklaget hör ofta till de mest lönsamma åtgärderna "
            "i äldre hus. Med 15 cm isolering i dag kan det vara rimligt att komplettera upp "
            "till sammanlagt 40–50 cm, oftast med lösull som blåses in.\n\n"
            "Täta först bjälklaget mot vinden, särskilt runt vindsluckan, genomföringar och "
            "ventilationskanaler, så att varm och fuktig inomhusluft inte når den kalla "
            "vinden. Efter tilläggsisolering blir vinden kallare och därmed fuktigare, så se "
            "till att den är ventilerad och titta gärna till den efter första vintern. "
            "Arbetet ger rätt till ROT-avdrag."
        ),
        "windows": (
            "Nya fönster med ett U-värde på runt 1,0 W/m²K eller lägre ger klart bättre "
            "komfort och minskar värmeförlusterna, men återbetalningstiden blir ofta lång om "
            "fönstren i övrigt är i gott skick. Billigare alternativ är att byta "
            "tätningslister, justera bågarna och byta innerglaset mot ett isolerglas med "
            "lågemissionsskikt, vilket kan ge en stor del av effekten till en bråkdel av "
            "priset.\n\n"
            "Om fönstren ändå behöver bytas av andra skäl är det däremot klokt att välja "
            "energieffektiva fönster. Offerten på {kr} kr bör då jämföras med minst en till."
        ),
        "facade": (
            "Utvändig tilläggsisolering är ofta det fuktsäkraste sättet att isolera en vägg, "
            "eftersom konstruktionen blir varmare. Se till att vindskyddet är tätt, att "
            "fasaden är luftad och att fönster flyttas ut eller att smygarna detaljeras "
            "ordentligt så att vatten inte kan tränga in.\n\n"
            "Anlita gärna någon med erfarenhet av just er väggtyp och be om en "
            "fuktsäkerhetsbedömning. Kontrollera också med {kommun} om ändringen av fasaden "
            "kräver bygglov."
        ),
        "thermography": (
            "En termografering visar var värmen läcker ut och görs bäst när det är minst "
            "10–15 grader kallare ute än inne, alltså under vintern. Kombinerad med en "
            "täthetsprovning, där huset sätts i undertryck, syns luftläckor tydligt.\n\n"
            "Det kostar från några tusen kronor upp till omkring 10 000 kr beroende på "
            "omfattning och ger ett bra underlag för att prioritera åtgärder. Välj en "
            "certifierad termograför."
        ),
        "basement": (
            "Invändig isolering av källarväggar kan ge fuktproblem, eftersom väggen bakom "
            "isoleringen blir kallare och fukt från marken inte kan torka ut. Det säkraste "
            "är att isolera och dränera utvändigt.\n\n"
            "Om ni ändå vill isolera invändigt bör ni använda fuktokänsliga material, "
            "undvika plastfolie mot väggen och först se till att fukten utifrån är åtgärdad. "
            "Be en fuktsakkunnig titta på källaren innan ni bestämmer er."
        ),
        "cooperative_windows": (
            "Jämför ett helt fönsterbyte med renovering och komplettering med isolerglas. "
            "Kräv ett U-värde på 1,0 W/m²K eller bättre vid byte och ta med kostnader för "
            "byggställning, återställning och eventuell bygglovsprövning.\n\n"
            "Tänk på att tätare fönster påverkar ventilationen; i hus med självdrag eller "
            "frånluft behövs ofta uteluftsdon. Energideklarationen och underhållsplanen är "
            "ett bra underlag för prioriteringen."
        ),
        "u_value": (
            "U-värdet anger hur mycket värme som passerar genom en kvadratmeter av fönstret "
            "per grads temperaturskillnad, mätt i W/m²K. Ju lägre värde, desto bättre "
            "isolerar fönstret. Äldre tvåglasfönster ligger ofta runt 2,5–3, moderna "
            "treglasfönster runt 0,8–1,0.\n\n"
            "Vid byte är 1,0 eller lägre ett rimligt krav."
        ),
    },
    "ventilation": {
        "condensation": (
            "Kondens på insidan av fönstren tyder ofta på att luftomsättningen är för låg. "
            "Självdrag fungerar sämst när det är varmt ute och kan bli otillräckligt om "
            "huset har tätats. Ett första steg är att se till att det finns uteluftsdon i "
            "sovrum och vardagsrum och att frånluftskanalerna är fria.\n\n"
            "Mekanisk frånluft är enklare och billigare att installera; FTX återvinner värme "
            "men kräver kanaler till alla rum och ett tätt hus för att ge besparing. Be en "
            "ventilationsfirma bedöma vad som går att göra i just ert hus."
        ),
        "ftx": (
            "FTX kan återvinna 70–85 procent av värmen i frånluften, men installationen "
            "kostar ofta 100 000–200 000 kr i ett befintligt hus eftersom kanaler ska dras "
            "till alla rum. Besparingen beror mycket på hur tätt huset är, och räkna med "
            "filterbyten och service.\n\n"
            "I ett hus på {yta} kvm med {uppv} kan det vara motiverat om ni ändå renoverar, "
            "men sällan som enda energiåtgärd."
        ),
        "open_window": (
            "En frånluftsvärmepump hämtar sin värme ur frånluften. Ett öppet fönster gör att "
            "en del av luften tar vägen genom fönstret i stället för genom ventilationen, så "
            "att pumpen får mindre värme att arbeta med och huset kyls.\n\n"
            "Att vädra kort är inga problem, men att sova med öppet fönster hela vintern "
            "märks på elräkningen. Stäng hellre dörren till sovrummet och sänk värmen där."
        ),
        "radon": (
            "Bättre ventilation kan sänka radonhalten, särskilt om radonet kommer från "
            "byggnadsmaterialen, men när det kommer från marken behövs ofta radonsug eller "
            "radonbrunn. Referensnivån för bostäder är 200 Bq/m³.\n\n"
            "Miljöförvaltningen i {kommun} kan ge råd om åtgärder. Gör en ny långtidsmätning "
            "under eldningssäsongen efter åtgärden."
        ),
        "cooking_smells": (
            "I en bostadsrätt ansvarar föreningen normalt för ventilationssystemet, medan du "
            "ansvarar för att inte bygga om eller blockera don. Matos från grannar beror "
            "ofta på obalans i systemet eller på att någon har kopplat in en köksfläkt med "
            "motor i den gemensamma kanalen.\n\n"
            "Kontakta styrelsen och fråga när den senaste OVK-besiktningen gjordes och om "
            "systemet behöver injusteras."
        ),
        "summer_heat": (
            "Det effektivaste är att stänga ute solen innan den når fönstret: utvändiga "
            "markiser eller persienner mellan glasen fungerar mycket bättre än invändiga "
            "gardiner. Vädra ordentligt nattetid och håll fönster och persienner stängda "
            "under dagen.\n\n"
            "En portabel luftkonditionering med slang genom fönstret blir ofta ineffektiv. I "
            "en bostadsrätt kräver en fast installerad luft/luftvärmepump oftast styrelsens "
            "tillstånd."
        ),
        "ovk": (
            "Obligatorisk ventilationskontroll (OVK) ska göras med jämna mellanrum, i "
            "flerbostadshus vart tredje eller vart sjätte år beroende på ventilationssystem. "
            "Anmärkningarna i protokollet ska åtgärdas, och kommunens byggnadsnämnd får en "
            "kopia av protokollet.\n\n"
            "Allvarliga brister ska åtgärdas snarast. För övriga brister kan ni lägga upp en "
            "plan tillsammans med besiktningsmannen och gärna göra en injustering samtidigt, "
            "vilket också kan spara energi."
        ),
    },
    "electricity_prices": {
        "fixed_or_variable": (
            "Det finns inget avtal som alltid är billigast. Historiskt har rörligt pris i "
            "genomsnitt varit billigare över tid, medan fast pris ger förutsägbarhet och "
            "skydd mot höga vinterpriser. Ju mer av elen som går till uppvärmning, desto mer "
            "av förbrukningen hamnar på vintern, när priserna brukar vara som högst. Om "
            "hushållsbudgeten har liten marginal kan fast pris för hela eller delar av "
            "förbrukningen vara tryggast.\n\n"
            "Jämför avtal på Elpriskollen, Energimarknadsinspektionens jämförelsetjänst, och "
            "kontrollera avgifter och bindningstid."
        ),
        "power_charge": (
            "Med effektavgift betalar du delvis efter dina högsta timmar under månaden, ofta "
            "som ett medelvärde av några toppar. Det lönar sig därför att sprida ut "
            "förbrukningen: undvik att köra disk, tvätt, torktumlare, elbilsladdning och "
            "bastu samtidigt, särskilt vardagar dagtid då avgiften ofta gäller.\n\n"
            "Många värmepumpar och laddboxar kan ställas in för att begränsa effekten, och "
            "nätbolagets app visar ofta förbrukningen timme för timme."
        ),
        "smart_control": (
            "Styrning efter elpriset kan spara pengar om ni har timpris och en värmepump "
            "eller elpanna med varmvattenberedare, eftersom värme och varmvatten kan lagras "
            "i huset några timmar. Besparingen brukar dock bli lägre än säljarna lovar; "
            "räkna hellre med några procent av elkostnaden än 20 procent.\n\n"
            "Kontrollera att styrningen inte försämrar komforten eller får elpatronen att gå "
            "in, och att en månadsavgift inte äter upp besparingen."
        ),
        "high_bill": (
            "För en tvåa utan elvärme är en normal förbrukning ungefär 2 000–3 000 kWh per "
            "år, så en faktura på {manadskostnad} kr tyder antingen på hög förbrukning eller "
            "på en period med mycket höga priser. Kontrollera hur många kWh du har använt "
            "under månaden och jämför med samma månad föregående år.\n\n"
            "Elradiatorer, golvvärme i badrummet eller en äldre frys kan förklara en del. "
            "Hör av dig igen med förbrukningen så hjälper vi dig vidare."
        ),
        "phone_sales": (
            "Avtal som ingås vid telefonförsäljning som bolaget har tagit initiativ till "
            "blir bara giltiga om du bekräftar dem skriftligt, och vid distansavtal har du "
            "dessutom 14 dagars ångerrätt. Kontakta elbolaget skriftligt och meddela att du "
            "inte godkänner eller att du ångrar avtalet, och spara en kopia.\n\n"
            "Konsumentvägledningen i {kommun} kan hjälpa dig om bolaget inte godtar det."
        ),
        "business": (
            "För företag är det vanligt att kombinera rörligt pris med att binda en del av "
            "volymen, så att man inte är helt exponerad för höga vinterpriser. Det är "
            "viktigt att förstå förbrukningsprofilen; en verksamhet som använder mest el "
            "dagtid på vardagar påverkas av andra priser än ett hushåll.\n\n"
            "Se även över nätabonnemanget. Ett för högt säkringsabonnemang eller höga "
            "effekttoppar kan kosta mer än själva elpriset."
        ),
        "grid_and_supplier": (
            "Elnätsbolaget äger ledningarna där du bor och kan inte väljas; det tar betalt "
            "för överföringen och mätningen. Elhandelsbolaget säljer själva elen och kan "
            "väljas fritt. Därför får du antingen två fakturor eller en samlad faktura om "
            "elhandelsbolaget fakturerar båda.\n\n"
            "Energiskatt och moms tillkommer. Det är bara elhandelsdelen du kan påverka "
            "genom att byta avtal."
        ),
        "quarter_hour": (
            "Med ett avtal med kvarts- eller timpris följer ditt pris elbörsens pris för "
            "varje period, så det kan variera mycket under dygnet. Ett sådant avtal passar "
            "om du kan flytta förbrukning, till exempel laddning, tvätt eller uppvärmning av "
            "varmvatten, till billigare perioder.\n\n"
            "Om du inte vill eller kan styra förbrukningen är ett avtal med månadsmedelpris "
            "eller fast pris enklare."
        ),
    },
    "energy_use": {
        "compare": (
            "Hur mycket ett hus använder beror på storlek, byggår, hur många som bor där och "
            "vilken uppvärmning som finns. Ta fram förbrukningen per månad från nätbolaget "
            "och jämför sommar och vinter; skillnaden är ungefär vad uppvärmningen står för.\n\n"
            "De åtgärder som brukar ge mest är att sänka inomhustemperaturen en grad, se "
            "över varmvattenanvändningen, täta och tilläggsisolera vindsbjälklaget och att "
            "se över om uppvärmningen, i dag {uppv}, kan göras effektivare. Skicka gärna "
            "siffrorna så går vi igenom dem tillsammans."
        ),
        "increase": (
            "En oväntad ökning beror ofta på något som gått sönder eller ändrats utan att "
            "man märkt det: en elpatron som gått in för att värmepumpen fått fel, en "
            "varmvattenberedare med trasig termostat, en läckande kran med varmvatten eller "
            "en ny elbil eller pool.\n\n"
            "Jämför förbrukningen per timme nattetid med tidigare år; då syns konstanta "
            "laster tydligt. Kontrollera också att fakturan bygger på verklig mätning och "
            "inte på en uppskattning."
        ),
        "hot_water": (
            "Varmvatten står ofta för 15–25 procent av ett hushålls energianvändning, mer i "
            "familjer med tonåringar. Snålspolande duschmunstycken och termostatblandare är "
            "billiga och kan minska varmvattenanvändningen märkbart utan att komforten blir "
            "sämre.\n\n"
            "Se också till att varmvattenberedaren inte är inställd varmare än nödvändigt, "
            "men minst 55–60 °C för att undvika legionella."
        ),
        "flat_metering": (
            "Mät varje apparat under ett helt dygn, eller en vecka för kyl och frys, och "
            "räkna upp till ett år. Vanliga storförbrukare i lägenheter är gamla kylar och "
            "frysar, golvvärme i badrummet, torktumlare och apparater i standby som tv-boxar "
            "och datorer.\n\n"
            "En frys som drar mer än 1 kWh per dygn är ofta värd att byta. Kontrollera också "
            "temperaturen i kylen (+5 °C) och frysen (−18 °C)."
        ),
        "cooperative": (
            "Be nätbolaget och fjärrvärmebolaget om tillgång till timvärden via deras "
            "kundportal; det är oftast kostnadsfritt. Följ upp energianvändningen per månad "
            "och normalårskorrigera värmen så att ni kan jämföra år med olika väder.\n\n"
            "Många föreningar utser en energiansvarig i styrelsen som går igenom siffrorna "
            "på varje styrelsemöte. Energideklarationen är en bra utgångspunkt för en enkel "
            "energiplan."
        ),
        "shop": (
            "I butiker och lokaler är belysning, kyl- och frysdiskar, ventilation som går "
            "dygnet runt och värme som står på när lokalen är stängd de vanligaste "
            "energitjuvarna. Börja med att titta på förbrukningen nattetid: det mesta som "
            "går då är ofta onödigt.\n\n"
            "LED-belysning, lock eller dörrar på kyldiskar och tidsstyrning av ventilationen "
            "brukar ha kort återbetalningstid."
        ),
        "one_degree": (
            "Tumregeln är att varje grad lägre inomhustemperatur minskar uppvärmningsbehovet "
            "med ungefär 5 procent. Den stämmer ganska bra för de flesta hus, men effekten "
            "på elräkningen beror på hur stor del av förbrukningen som går till uppvärmning.\n\n"
            "Sänk gärna mest i rum som inte används, och håll i övrigt en jämn temperatur."
        ),
    },
    "transport": {
        "charger": (
            "För de flesta räcker en laddbox på 11 kW (trefas 16 A), och ofta går det bra "
            "med lägre effekt eftersom bilen laddas över natten. Med en huvudsäkring på 20 A "
            "kan laddning samtidigt med värmepump, spis och tvätt göra att säkringen löser "
            "ut, så välj en laddbox med lastbalansering som känner av husets totala "
            "belastning.\n\n"
            "Låt en behörig elinstallatör göra installationen. Skattereduktionen för grön "
            "teknik ger 50 procent av kostnaden för arbete och material, upp till 50 000 kr "
            "per person och år."
        ),
        "switch_car": (
            "Med 1 500 mil per år och en elbil som drar omkring 1,5–2 kWh per mil blir "
            "elanvändningen ungefär 2 500–3 000 kWh per år, vilket kostar en bråkdel av "
            "motsvarande mängd bensin. Elbilar har dessutom lägre servicekostnader.\n\n"
            "Inköpspriset är fortfarande högre för många modeller, men begagnade elbilar har "
            "blivit ett prisvärt alternativ. Räkna på totalkostnaden per mil med inköp, "
            "värdeminskning, försäkring, skatt och energi."
        ),
        "solar_charging": (
            "Ja, med en laddbox som kan styras efter solproduktionen kan bilen laddas med "
            "överskottet från solcellerna i stället för att elen säljs. Värdet är skillnaden "
            "mellan vad du betalar för köpt el och vad du får för såld el.\n\n"
            "Hur mycket det blir beror på hur ofta bilen står hemma dagtid. Merkostnaden för "
            "en laddbox med solstyrning är ofta liten om du ändå ska köpa en laddbox."
        ),
        "brf_member": (
            "I en bostadsrättsförening är det föreningen som äger mark och elanläggning, så "
            "du kan inte installera en laddbox utan styrelsens eller stämmans godkännande. "
            "Du kan däremot lämna en motion till stämman.\n\n"
            "Många föreningar väljer en gemensam lösning med lastbalansering och debitering "
            "per användare, vilket blir billigare och säkrare än enskilda installationer. Om "
            "föreningen godkänner en laddbox för ditt hushåll kan du få skattereduktion för "
            "grön teknik."
        ),
        "cooperative": (
            "Börja med att kartlägga behovet bland medlemmarna och kapaciteten i föreningens "
            "elanslutning. Med dynamisk lastbalansering kan fler platser dela på befintlig "
            "säkring. Välj ett system där föreningen kan debitera laddningen per användare, "
            "och förbered gärna med kanalisation för fler platser än ni bygger nu.\n\n"
            "Det har funnits statligt stöd till laddinfrastruktur för föreningar via "
            "Naturvårdsverket, men villkoren ändras mellan åren, så kontrollera vad som "
            "gäller innan ni beställer."
        ),
        "workplace": (
            "Laddning som arbetsgivaren bjuder på vid arbetsplatsen har undantagits från "
            "förmånsbeskattning genom tillfälliga regler; kontrollera hos Skatteverket vad "
            "som gäller när ni inför det. Klimatklivet hos Naturvårdsverket har gett stöd "
            "till laddstationer för företag, med utlysningar som öppnar och stänger under "
            "året.\n\n"
            "Planera med lastbalansering och välj ett system där ni kan följa upp "
            "användningen."
        ),
        "e_bike": (
            "Det statliga stödet till elcyklar finns inte längre, men fråga gärna din "
            "arbetsgivare om förmånscykel. För 15 km pendling är en elcykel realistisk för "
            "många, med en restid på 35–45 minuter.\n\n"
            "Energikostnaden är mycket låg, oftast under 100 kr per år."
        ),
    },
    "grants": {
        "heating_switch": (
            "Det finns sällan statliga bidrag till privatpersoner för att byta värmesystem, "
            "men arbetskostnaden ger rätt till ROT-avdrag, normalt 30 procent av "
            "arbetskostnaden och högst 50 000 kr per person och år. Avdraget görs direkt på "
            "fakturan.\n\n"
            "Fråga gärna oss om det finns något lokalt erbjudande i {kommun} just nu. Ett "
            "mer energieffektivt hus kan också ge bättre villkor hos banken, så kallade "
            "gröna bolån."
        ),
        "rot_or_green": (
            "Nej, samma arbete kan inte ge både ROT-avdrag och skattereduktion för grön "
            "teknik. För solceller och batterier är grönt avdrag oftast förmånligast "
            "eftersom det omfattar både arbete och material: 15 procent för solceller och 50 "
            "procent för batterier som lagrar egenproducerad el.\n\n"
            "Arbeten som inte omfattas, till exempel förstärkning av taket, kan i stället ge "
            "ROT-avdrag. Taket för grön teknik är 50 000 kr per person och år, och ni "
            "behöver ha betalat tillräckligt med skatt för att kunna utnyttja avdraget."
        ),
        "financing": (
            "Flera banker erbjuder gröna lån eller gröna bolån med lägre ränta för "
            "energiåtgärder eller energieffektiva hus; fråga din bank vad som krävs, ofta en "
            "energideklaration. Gör gärna en samlad plan där åtgärderna kommer i rätt "
            "ordning: täta och isolera först, eftersom det minskar värmebehovet som "
            "värmepumpen ska dimensioneras för.\n\n"
            "ROT-avdraget kan användas för arbetskostnaden i alla tre åtgärderna, men taket "
            "är 50 000 kr per person och år."
        ),
        "green_in_practice": (
            "Du behöver inte ansöka själv. Företaget som installerar drar av "
            "skattereduktionen direkt på fakturan och begär sedan utbetalning från "
            "Skatteverket, så du betalar bara din del.\n\n"
            "Förutsättningen är att du äger bostaden och har betalat tillräckligt med skatt "
            "under året, och att samma företag levererar och installerar. Avdraget syns "
            "sedan i din deklaration."
        ),
        "cooperative": (
            "För föreningar finns inget permanent statligt stöd för energieffektivisering, "
            "men Klimatklivet har gett stöd till vissa åtgärder, till exempel "
            "laddinfrastruktur och byte från fossil uppvärmning. Det lönar sig ofta att "
            "samordna energiåtgärder med planerat underhåll, eftersom merkostnaden för det "
            "energieffektiva alternativet då blir liten.\n\n"
            "Börja med åtgärdsförslagen i energideklarationen och låt en konsult räkna på "
            "lönsamheten. Gröna lån kan ge bättre villkor."
        ),
        "business": (
            "Små och medelstora företag kan få stöd via Klimatklivet för investeringar som "
            "minskar utsläppen, och regionala energikontor erbjuder ofta nätverk och "
            "rådgivning. Energimyndigheten har vägledning om energikartläggning som ett bra "
            "första steg.\n\n"
            "Berätta gärna mer om verksamheten så tipsar vi om vad som passar."
        ),
        "new_grant": (
            "Statliga bidrag för energieffektivisering av småhus har funnits under vissa "
            "perioder, men ofta med begränsade medel och korta ansökningstider. Aktuell "
            "information finns hos Boverket och Energimyndigheten.\n\n"
            "Vi hjälper gärna till att bedöma om åtgärderna är lönsamma även utan bidrag; "
            "det är oftast klokast att inte vänta på ett bidrag som kanske inte kommer."
        ),
    },
    "energy_certificate": {
        "selling": (
            "Ja, den som säljer ett småhus ska som huvudregel ha en giltig "
            "energideklaration, och energiklassen ska finnas med i annonsen. En "
            "energideklaration gäller i tio år, så om huset redan har en giltig deklaration "
            "behövs ingen ny.\n\n"
            "Den görs av en certifierad energiexpert och kostar ofta 5 000–10 000 kr för en "
            "villa. Deklarationen registreras hos Boverket och innehåller åtgärdsförslag som "
            "också kan vara intressanta för köparen."
        ),
        "energy_class": (
            "Energiklassen går från A till G och bygger på husets primärenergital, alltså "
            "hur mycket energi huset använder per kvadratmeter viktat efter energislag, "
            "jämfört med kravet för nya hus. Klass F är vanligt för äldre hus med "
            "direktverkande el eller olja.\n\n"
            "Det som oftast höjer klassen mest är att byta till värmepump, och därefter "
            "tilläggsisolering och bättre fönster. Åtgärdsförslagen i deklarationen är en "
            "bra utgångspunkt."
        ),
        "deviation": (
            "Energideklarationen bygger på normalårskorrigerad energi för uppvärmning, "
            "varmvatten och fastighetsel, men inte på hushållsel. Om ni är fler i hushållet, "
            "har högre inomhustemperatur eller laddar en elbil blir den faktiska "
            "förbrukningen högre.\n\n"
            "Jämför gärna den uppmätta energin under ett helt år, utan hushållsel, med "
            "deklarationen."
        ),
        "renewal": (
            "En energideklaration gäller i tio år, och flerbostadshus ska alltid ha en "
            "giltig deklaration. Kommunens byggnadsnämnd har tillsyn och kan förelägga "
            "föreningen att göra en ny, eventuellt med vite.\n\n"
            "Ta in offerter från några certifierade energiexperter och be om konkreta "
            "åtgärdsförslag med uppskattad kostnad och besparing. Deklarationen ska också "
            "sättas upp synligt i huset."
        ),
        "expert": (
            "Energiexperten ska vara certifierad. Be om en deklaration som bygger på "
            "uppmätta värden och ett ordentligt platsbesök, och be att åtgärdsförslagen "
            "kostnadsberäknas och anpassas till er underhållsplan.\n\n"
            "Det kan också vara värt att be energiexperten presentera resultatet på ett "
            "styrelsemöte."
        ),
        "rented_premises": (
            "Byggnader som hyrs ut ska i regel ha en energideklaration. Det finns undantag, "
            "bland annat för mindre byggnader, så kontrollera vad som gäller hos Boverket.\n\n"
            "Om lokalen ingår i en större byggnad som redan har en giltig deklaration kan "
            "den räcka."
        ),
        "find": (
            "Energideklarationer registreras hos Boverket och kan sökas på Boverkets "
            "webbplats med fastighetsbeteckning eller adress. Säljaren ska dessutom visa upp "
            "deklarationen vid visning och lämna den till köparen.\n\n"
            "Titta särskilt på åtgärdsförslagen och på vilken uppvärmning huset har."
        ),
    },
    "brf": {
        "start": (
            "Ett bra första steg är att samla underlag: energideklarationen, "
            "energianvändningen per månad de senaste tre åren, underhållsplanen och "
            "OVK-protokollen. Utse gärna en energiansvarig i styrelsen.\n\n"
            "Ta sedan fram en enkel energiplan med mål och prioriterade åtgärder. Snabba "
            "vinster är ofta injustering av värme och ventilation, styrning av "
            "fastighetselen och belysning med närvarostyrning. Större åtgärder som "
            "värmeåtervinning eller solceller passar bäst ihop med planerat underhåll."
        ),
        "hot_water_metering": (
            "Individuell mätning och debitering (IMD) av varmvatten brukar minska "
            "varmvattenanvändningen, eftersom medlemmarna betalar för sin egen förbrukning. "
            "Reglerna kräver IMD bara i vissa fall, främst vid större ombyggnad av byggnader "
            "med hög energianvändning, men föreningen kan själv välja att införa det.\n\n"
            "Räkna med kostnaden för mätare, avläsning och administration och jämför med den "
            "förväntade besparingen. Det kräver också beslut på stämman."
        ),
        "engagement": (
            "Information fungerar bäst när den är konkret och kopplad till medlemmarnas "
            "vardag: visa föreningens förbrukning över tid, berätta vad en lång dusch kostar "
            "och vad som har gjorts. Återkoppling på gemensamma resultat i nyhetsbrev eller "
            "på årsstämman ökar engagemanget.\n\n"
            "Störst effekt ger ändå ofta tekniska åtgärder som föreningen själv styr över, "
            "som injustering och individuell mätning av varmvatten."
        ),
        "pipe_renovation": (
            "Stambytet är ett utmärkt tillfälle att installera snålspolande armaturer, "
            "isolera varmvatten- och VVC-ledningar, se över möjligheten till individuell "
            "mätning av varmvatten och förbereda för värmeåtervinning ur ventilationen eller "
            "avloppsvattnet.\n\n"
            "Be projektören redovisa merkostnaden för energiåtgärderna separat, så blir det "
            "lättare att fatta beslut."
        ),
        "common_electricity": (
            "Vanliga poster i fastighetselen är ventilationsfläktar, belysning i trapphus, "
            "garage och källare, tvättstugans maskiner och torkrum, motorvärmare, pumpar och "
            "värmekablar i tak eller stuprör.\n\n"
            "Byt till LED med närvarostyrning, se över drifttiderna för ventilation och "
            "värmekablar och kontrollera att torkskåp och motorvärmare har timer. En titt på "
            "timförbrukningen nattetid visar ofta vad som går i onödan."
        ),
        "networks": (
            "Ja, många regionala energikontor och kommuner ordnar nätverk, frukostmöten och "
            "utbildningar för bostadsrättsföreningar, och det finns branschorganisationer "
            "med kurser för styrelser.\n\n"
            "Hör av er så berättar vi vad som är på gång i {kommun} och i länet."
        ),
        "motion": (
            "En motion har störst chans om den är konkret och visar nyttan för föreningen: "
            "vad som ska utredas eller göras, ungefärlig kostnad och besparing, och vem som "
            "ska göra det. Föreslå gärna att styrelsen får i uppdrag att utreda frågan och "
            "återkomma till nästa stämma, snarare än ett färdigt investeringsbeslut.\n\n"
            "Du är välkommen att kontakta oss för underlag och siffror."
        ),
    },
    "business": {
        "start": (
            "Börja med att kartlägga var energin används: be nätbolaget om timvärden, gå "
            "igenom verksamheten en vanlig dag och en stängd dag, och lista de största "
            "förbrukarna som tryckluft, ventilation, belysning, värme och processutrustning.\n\n"
            "Tryckluftsläckor, onödig drifttid och belysning är ofta snabba vinster. "
            "Därefter kan ni prioritera investeringar efter återbetalningstid."
        ),
        "office_ventilation": (
            "Att styra ventilationen efter användningen är ofta en av de mest lönsamma "
            "åtgärderna i kontor. Med tidsstyrning går ventilationen bara när lokalen "
            "används, och med närvaro- eller koldioxidstyrning anpassas flödet efter hur "
            "många som är där.\n\n"
            "Be fastighetsägaren eller en ventilationsfirma se över styrningen, och se till "
            "att systemet startar i god tid innan arbetsdagen börjar."
        ),
        "restaurant": (
            "I storkök står kyl och frys, diskmaskin, ventilation och varmhållning för den "
            "största delen. Rengör kondensorerna regelbundet, se över tätningarna på kylrum "
            "och kyldiskar, stäng av varmhållning mellan serveringarna och styr "
            "köksventilationen efter behov.\n\n"
            "Induktionshällar och diskmaskiner med värmeåtervinning är större investeringar "
            "men ger ofta god återbetalning."
        ),
        "audit": (
            "Stora företag är skyldiga att göra en energikartläggning vart fjärde år. Mindre "
            "företag har ingen sådan skyldighet, men en kartläggning är ändå ett bra sätt "
            "att hitta lönsamma åtgärder.\n\n"
            "Den innebär att man mäter och beskriver energianvändningen, delar upp den på "
            "användningsområden och föreslår åtgärder med kostnad och besparing. "
            "Energimyndigheten har vägledning, och vi hjälper gärna till att komma igång."
        ),
        "oil_boiler": (
            "För ett lager är en luft/vattenvärmepump eller bergvärmepump ofta det mest "
            "lönsamma alternativet till oljepanna, ibland fjärrvärme om det finns i "
            "närheten. Lager har ofta stora portar och otäta väggar, så tätning och "
            "portstyrning kan minska värmebehovet mycket före bytet.\n\n"
            "Klimatklivet har gett stöd till byte från fossil uppvärmning i verksamheter; "
            "kontrollera om det finns en öppen utlysning."
        ),
        "footprint": (
            "Börja med energianvändningen: el, värme och drivmedel per år, multiplicerat med "
            "utsläppsfaktorer för respektive energislag. Uppgifterna finns på fakturorna "
            "eller hos leverantörerna.\n\n"
            "Välj ett etablerat beräkningsstöd och redovisa vilka antaganden som gjorts. "
            "Resultatet ger också en bra grund för att prioritera åtgärder."
        ),
        "club_house": (
            "I klubbstugor som används några dagar i veckan är styrningen viktigast: sänk "
            "temperaturen till 10–12 grader när stugan står tom och höj den inför "
            "aktiviteter, gärna med fjärrstyrning. En luft/luftvärmepump kan minska "
            "elanvändningen för uppvärmning betydligt jämfört med elpanna.\n\n"
            "Föreningar kan ibland få kommunalt stöd till sina anläggningar; fråga kommunens "
            "fritidsförvaltning."
        ),
    },
    "other": {
        "climate": (
            "För de flesta hushåll står resor, mat och boende för den största "
            "klimatpåverkan. I boendet betyder uppvärmningen mest: byte från direktverkande "
            "el eller olja till värmepump eller fjärrvärme och att täta och isolera är de "
            "största åtgärderna.\n\n"
            "Bland resorna gör färre flygresor och byte till elbil, elcykel eller "
            "kollektivtrafik stor skillnad. Välj några saker som passar din vardag och börja "
            "där."
        ),
        "service": (
            "Energi- och klimatrådgivningen är kostnadsfri och opartisk och finansieras av "
            "Energimyndigheten via kommunerna. Vi svarar på frågor per telefon, e-post och "
            "via formuläret, träffar dig på kontoret eller på evenemang, och i mån av tid "
            "gör vi hembesök.\n\n"
            "Vi rekommenderar inte enskilda företag, men hjälper dig att förstå offerter och "
            "jämföra alternativ. Hör av dig med några rader om huset så bokar vi en tid."
        ),
        "door_to_door": (
            "Var försiktig med erbjudanden om gratis besiktning som följs av ett "
            "försäljningsförsök på plats. Skriv inte under något direkt; vid hemförsäljning "
            "har du 14 dagars ångerrätt.\n\n"
            "Ta in offerter från företag som du själv har valt, och kontakta gärna oss för "
            "en opartisk bedömning av vad huset behöver. Kommunens konsumentvägledning kan "
            "också hjälpa till."
        ),
        "installer": (
            "Vi är opartiska och kan därför inte rekommendera enskilda företag, men vi "
            "hjälper dig gärna att jämföra offerter. Be om minst tre, kontrollera att "
            "företaget har F-skatt och relevanta certifieringar, fråga efter referenser från "
            "liknande uppdrag och läs avtalsvillkoren noga.\n\n"
            "Branschens standardavtal och Konsumentverkets vägledning ger ett bra skydd."
        ),
        "talk": (
            "Gärna! Vi håller föredrag för föreningar om till exempel elavtal, värmepumpar, "
            "solceller och energisparande i vardagen. Skicka förslag på några datum och "
            "ungefärligt antal deltagare, så återkommer vi med förslag på upplägg."
        ),
        "new_house": (
            "Nya hus ska uppfylla Boverkets byggregler, men det finns mycket att vinna på "
            "att gå längre: ett tätt och välisolerat klimatskal, FTX-ventilation, en rätt "
            "dimensionerad värmepump och ett tak som är förberett för solceller. Tänk också "
            "på solavskärmning mot söder och väster så att det inte blir för varmt på "
            "sommaren.\n\n"
            "Fråga efter beräknad energiprestanda och be om en täthetsprovning innan ni "
            "flyttar in."
        ),
        "holiday_home": (
            "För att ett fritidshus ska fungera året runt brukar isolering av vindsbjälklag "
            "och golv, täta fönster och en luft/luftvärmepump vara de viktigaste åtgärderna. "
            "Kontrollera också vatten och avlopp för vinterbruk och att elabonnemanget "
            "räcker.\n\n"
            "Om huset ska bli permanentbostad kan det krävas bygglov; hör med {kommun}."
        ),
    },
}

QUESTIONS_EN: dict[str, tuple[Question, ...]] = {
    "heating": (
        Question(
            "house",
            "choice",
            "We have {a_house} in {municipality}, built in {year}, about {area} m² and "
            "heated with {heating}. We are thinking about a heat pump. Should we choose a "
            "ground source or an air-to-water heat pump?",
            heating=REPLACEABLE_HEATING,
        ),
        Question(
            "house",
            "choice",
            "We received a quote of SEK {sek} for a ground source heat pump including "
            "drilling. Is that a reasonable price for a house of {area} m²?",
        ),
        Question(
            "any",
            "sizing",
            "How do I know that a heat pump is the right size? The installer suggests 12 kW "
            "and I suspect it is too big.",
        ),
    ),
    "district_heating": (
        Question(
            "any",
            "switch",
            "Our district heating price has gone up by {percent} percent this year. Would it "
            "pay off to switch to a heat pump?",
            heating=("district_heating",),
        ),
        Question(
            "org",
            "power_charge",
            "Our housing cooperative has district heating. How does the new power charge "
            "work and how can we lower it?",
            heating=("district_heating",),
        ),
    ),
    "solar": (
        Question(
            "house",
            "general",
            "We are considering solar panels in {municipality} and have a quote for a {kwp} "
            "kW system at SEK {sek}. Is this reasonable, and how long is the payback time?",
        ),
        Question(
            "any",
            "general",
            "Do we need a building permit for solar panels on our roof in {municipality}?",
        ),
    ),
    "insulation": (
        Question(
            "house",
            "general",
            "Our house from {year} has only about 15 cm of insulation in the attic floor. Is "
            "it worth adding more, and how much?",
        ),
        Question(
            "any",
            "general",
            "It is draughty around our windows. Should we replace them or are there cheaper "
            "options?",
        ),
    ),
    "ventilation": (
        Question(
            "house",
            "general",
            "We have natural ventilation and get condensation on the windows in winter. Do "
            "we need mechanical ventilation?",
        ),
        Question(
            "flat",
            "general",
            "The air in our flat feels stuffy and we can smell cooking from the neighbours. "
            "Who is responsible for the ventilation in a cooperative flat?",
        ),
    ),
    "electricity_prices": (
        Question(
            "any",
            "general",
            "Should we choose a fixed or a variable electricity price? We use about {kwh} "
            "kWh per year.",
        ),
        Question(
            "any",
            "general",
            "Why do I get two electricity bills, one from the grid company and one from the "
            "supplier?",
        ),
    ),
    "energy_use": (
        Question(
            "house",
            "general",
            "We use {kwh} kWh of electricity per year in our house of {area} m². Is that a "
            "lot, and where should we start?",
        ),
        Question(
            "flat",
            "general",
            "How can I find out what uses the most electricity in my flat?",
        ),
    ),
    "transport": (
        Question(
            "house",
            "general",
            "We are buying an electric car and want a charger at home. What power do we need "
            "with a 20 A main fuse?",
        ),
        Question(
            "org",
            "general",
            "Our housing cooperative with {flats} flats is discussing EV charging in the car "
            "park. How should we plan it?",
        ),
    ),
    "grants": (
        Question(
            "house",
            "general",
            "What grants or tax deductions are there if we replace {heating} with a heat pump?",
            heating=REPLACEABLE_HEATING,
        ),
        Question(
            "any",
            "general",
            "How does the tax reduction for green technology work in practice? Do I have to "
            "apply myself?",
        ),
    ),
    "energy_certificate": (
        Question(
            "house",
            "general",
            "We are selling our house in {municipality}. Do we need an energy performance "
            "certificate?",
        ),
        Question(
            "any",
            "general",
            "How do I find the energy performance certificate of a property I want to buy?",
        ),
    ),
    "brf": (
        Question(
            "org",
            "general",
            "I am on the board of a housing cooperative with {flats} flats. Where should we "
            "start with energy work?",
        ),
        Question(
            "org",
            "general",
            "Should our cooperative introduce individual metering and billing of hot water?",
        ),
    ),
    "business": (
        Question(
            "business",
            "general",
            "We are a small company with {employees} employees. Where do we start reducing "
            "our energy use?",
        ),
        Question(
            "business",
            "general",
            "The ventilation in our office of {area} m² runs around the clock. Can we "
            "control it better?",
        ),
    ),
    "other": (
        Question(
            "any",
            "general",
            "I want to reduce my household's climate impact. Where should I start?",
        ),
        Question(
            "any",
            "general",
            "How does the energy and climate advice service work? Can you visit our house?",
        ),
    ),
}

ANSWERS_EN: dict[str, dict[str, str]] = {
    "heating": {
        "choice": (
            "Both options can work well. A ground source heat pump costs more to install, "
            "often SEK 150,000–250,000 including drilling, but keeps a high efficiency all "
            "year. An air-to-water heat pump is cheaper to install but less efficient in "
            "very cold weather, and the outdoor unit must be placed with noise in mind.\n\n"
            "Drilling a borehole requires a notification to, or a permit from, the "
            "municipality's environmental office. Ask for at least three quotes that state "
            "the output, the expected seasonal efficiency and what is included. The labour "
            "cost qualifies for the ROT tax deduction."
        ),
        "sizing": (
            "The most important thing is that the heat pump is sized for the house: an "
            "oversized pump runs in short cycles and wears faster, and an undersized one "
            "leaves much of the work to the electric heater. Ask the installer for a heat "
            "loss calculation, and compare seasonal efficiency (SCOP) values for the same "
            "climate zone. The Swedish Energy Agency publishes independent heat pump tests."
        ),
    },
    "district_heating": {
        "switch": (
            "District heating prices are set by the local company and usually combine a "
            "fixed fee, a power charge and an energy price that varies over the year. Before "
            "switching, compare the full cost over 15–20 years: a heat pump costs SEK "
            "150,000–250,000 to install and needs electricity and maintenance, while "
            "district heating needs little equipment of your own.\n\n"
            "Collect your actual energy use for the last few years and we will help you "
            "compare."
        ),
        "power_charge": (
            "With a power charge you pay partly according to your highest heat demand during "
            "a period, often the coldest days. You can lower it by avoiding peaks, for "
            "example by not raising the temperature sharply after a night setback, and by "
            "having the heating system balanced.\n\n"
            "Ask the district heating company whether you can see your hourly demand in "
            "their customer portal."
        ),
    },
    "solar": {
        "general": (
            "A south-facing system here produces roughly 850–1,000 kWh per installed kW and "
            "year. Profitability depends mostly on how much of the electricity you use "
            "yourselves, since bought electricity costs more than what you are paid for "
            "surplus.\n\n"
            "The tax reduction for green technology is 15 percent of labour and material for "
            "solar panels and 50 percent for batteries, deducted directly on the invoice. "
            "Panels that follow the shape of the roof usually need no building permit, but "
            "check with the municipality. Compare quotes by price per installed kW."
        ),
    },
    "insulation": {
        "general": (
            "Adding insulation to the attic floor is often one of the most cost-effective "
            "measures in an older house. It is common to top up to 40–50 cm in total, "
            "usually with blown loose-fill insulation. Seal the attic floor first, "
            "especially around the hatch and penetrations, so warm humid air does not reach "
            "the cold attic, and keep the attic ventilated.\n\n"
            "For draughty windows, new seals and an extra insulating pane are much cheaper "
            "than new windows. The work qualifies for the ROT tax deduction on the labour "
            "cost."
        ),
    },
    "ventilation": {
        "general": (
            "Condensation on the inside of windows usually means the air exchange is too "
            "low. First check that there are fresh air vents in bedrooms and the living room "
            "and that the exhaust ducts are open. In a cooperative, the association is "
            "normally responsible for the ventilation system, so contact the board and ask "
            "when the last ventilation inspection (OVK) was made."
        ),
    },
    "electricity_prices": {
        "general": (
            "No contract is always cheapest. Over time, variable prices have on average been "
            "cheaper, while a fixed price gives predictability and protection against high "
            "winter prices. If your budget is tight, fixing part or all of the price can "
            "make sense.\n\n"
            "The grid company owns the wires and cannot be chosen; the supplier sells the "
            "electricity and can be chosen freely. Compare offers on Elpriskollen, the "
            "comparison service of the Energy Markets Inspectorate, and check fees and "
            "notice periods."
        ),
    },
    "energy_use": {
        "general": (
            "How much a home uses depends on its size, age, number of occupants and heating "
            "system. Get your monthly or hourly consumption from the grid company and "
            "compare summer and winter: the difference is roughly your heating.\n\n"
            "Measures that usually give most are lowering the indoor temperature by one "
            "degree, reducing hot water use and, in a house, sealing and insulating the "
            "attic floor. Send us your figures and we will go through them together."
        ),
    },
    "transport": {
        "general": (
            "For most households an 11 kW charger (three-phase 16 A) is enough, and a lower "
            "power often works since the car charges overnight. With a 20 A main fuse, "
            "choose a charger with load balancing. Have an authorised electrician install "
            "it; the tax reduction for green technology gives 50 percent of labour and "
            "material costs, up to SEK 50,000 per person and year.\n\n"
            "In a housing cooperative the association decides on charging points, and a "
            "shared system with load balancing and billing per user is usually the best "
            "solution."
        ),
    },
    "grants": {
        "general": (
            "There is usually no state grant for households replacing a heating system, but "
            "the labour cost qualifies for the ROT deduction, normally 30 percent of the "
            "labour cost up to SEK 50,000 per person and year, deducted directly on the "
            "invoice.\n\n"
            "For solar panels, batteries and EV chargers the tax reduction for green "
            "technology applies instead: 15 percent for solar panels and 50 percent for "
            "batteries and chargers. The installer deducts it on the invoice, so you do not "
            "need to apply yourself. The same work cannot receive both deductions."
        ),
    },
    "energy_certificate": {
        "general": (
            "As a rule a seller of a house must have a valid energy performance certificate, "
            "and the energy class should be stated in the advertisement. A certificate is "
            "valid for ten years. It is made by a certified energy expert and often costs "
            "SEK 5,000–10,000 for a detached house.\n\n"
            "Certificates are registered with Boverket, the National Board of Housing, "
            "Building and Planning, where you can search for them by property designation or "
            "address."
        ),
    },
    "brf": {
        "general": (
            "A good first step is to collect the facts: the energy performance certificate, "
            "monthly energy use for the last three years, the maintenance plan and "
            "ventilation inspection reports. Appoint an energy contact on the board and draw "
            "up a simple energy plan.\n\n"
            "Quick wins are often balancing heating and ventilation, controlling common "
            "electricity and presence-controlled lighting. Individual metering of hot water "
            "usually reduces use, but compare the cost of meters and administration with the "
            "expected saving."
        ),
    },
    "business": {
        "general": (
            "Start by mapping where energy is used: ask your grid company for hourly data, "
            "walk through the premises on a normal day and a closed day, and list the "
            "biggest users such as ventilation, lighting, heating and compressed air. "
            "Ventilation that runs only when the premises are in use is often one of the "
            "most profitable measures.\n\n"
            "Then prioritise investments by payback time. We are happy to help you get "
            "started."
        ),
    },
    "other": {
        "general": (
            "Energy and climate advice is free and impartial and is funded by the Swedish "
            "Energy Agency through the municipalities. We answer questions by phone, email "
            "and the web form, meet you at the office or at events, and when time allows we "
            "make home visits.\n\n"
            "We do not recommend individual companies, but we help you understand quotes and "
            "compare options. For most households, heating, travel and food matter most for "
            "the climate."
        ),
    },
}

# A sentence a requester adds when the case also touches a second topic.
ADD_ONS_SV: dict[str, tuple[str, ...]] = {
    "heating": (
        "Påverkar det här vilken uppvärmning vi bör välja?",
        "Vi funderar också på att byta värmepump inom några år.",
    ),
    "district_heating": ("Hur står sig det mot fjärrvärme?",),
    "solar": (
        "Vi funderar också på solceller längre fram.",
        "Är det värt att vänta med solceller tills det här är gjort?",
    ),
    "insulation": ("Borde vi tilläggsisolera först?",),
    "ventilation": ("Hur påverkas ventilationen?",),
    "electricity_prices": ("Och vilket elavtal passar bäst för oss?",),
    "energy_use": ("Vi vill också förstå vart all el tar vägen.",),
    "transport": ("Vi ska dessutom skaffa elbil snart.",),
    "grants": (
        "Finns det något bidrag eller avdrag vi kan få?",
        "Kan man få ROT-avdrag för det här?",
    ),
    "energy_certificate": ("Behöver vi göra en ny energideklaration efteråt?",),
    "brf": ("Frågan ska upp på nästa styrelsemöte.",),
    "business": ("Frågan gäller även vår firma som har lokal i samma hus.",),
    "other": ("Vi har också några allmänna frågor om att spara energi.",),
}

ADD_ONS_EN: dict[str, tuple[str, ...]] = {
    "heating": ("Does this affect which heating system we should choose?",),
    "district_heating": ("How does that compare with district heating?",),
    "solar": ("We are also thinking about solar panels later on.",),
    "insulation": ("Should we insulate first?",),
    "ventilation": ("How does this affect the ventilation?",),
    "electricity_prices": ("And which electricity contract would suit us best?",),
    "energy_use": ("We would also like to understand where all the electricity goes.",),
    "transport": ("We are also getting an electric car soon.",),
    "grants": ("Are there any grants or tax deductions we can get?",),
    "energy_certificate": ("Will we need a new energy performance certificate afterwards?",),
    "brf": ("The board will discuss this at its next meeting.",),
    "business": ("The question also concerns our small business in the same building.",),
    "other": ("We also have some general questions about saving energy.",),
}

# --- Exchanges later in a case ---------------------------------------------------------

# The adviser asks for more facts and the requester sends them; the case waits meanwhile.
INFO_REQUESTS_SV: tuple[Exchange, ...] = (
    Exchange(
        (
            "heating",
            "energy_use",
            "insulation",
            "electricity_prices",
            "solar",
            "grants",
            "ventilation",
            "district_heating",
            "other",
        ),
        "Tack för din fråga! För att kunna ge ett bra svar behöver jag veta lite mer: "
        "ungefär hur mycket energi använder ni per år, och hur många bor i huset? "
        "Förbrukningen står på fakturan eller på nätbolagets webbplats.",
        "Hej igen! Vi använde ungefär {kwh} kWh förra året och vi är fyra personer i "
        "hushållet. Huset är på {yta} kvm.",
    ),
    Exchange(
        (
            "heating",
            "solar",
            "insulation",
            "ventilation",
            "transport",
            "district_heating",
            "grants",
        ),
        "Tack för din fråga! Skicka gärna offerten som bilaga här i ärendet, så blir det "
        "lättare för mig att se vad som ingår och ge ett konkret svar.",
        "Här kommer offerten. Vi har också pratat med en annan firma som ska återkomma nästa "
        "vecka.",
    ),
    Exchange(
        ("heating", "insulation", "energy_certificate", "grants", "energy_use"),
        "Tack för din fråga! Har ni en energideklaration för huset? Skicka den gärna, så "
        "blir det lättare att ge konkreta råd om vilka åtgärder som lönar sig.",
        "Energideklarationen är från 2019 och huset fick klass E. Jag bifogar den.",
    ),
    Exchange(
        (),
        "Tack för din fråga! Innan jag svarar: gäller den en bostad som ni redan bor i, "
        "eller en som ni funderar på att köpa?",
        "Vi har bott här i fem år och tänker bo kvar länge.",
    ),
    Exchange(
        ("electricity_prices", "energy_use"),
        "Tack för din fråga! Kan du berätta vilket elavtal ni har i dag och ungefär vad ni "
        "har betalat per månad det senaste året?",
        "Vi har rörligt pris med månadsmedel. Det har varit mellan {manadskostnad} kr och "
        "dubbelt så mycket under vintern.",
    ),
    Exchange(
        ("heating", "ventilation"),
        "Tack för din fråga! Vet du ungefär hur gammal den nuvarande anläggningen är och "
        "vilket märke och vilken modell det är? En bild på märkskylten räcker bra.",
        "Den är från 2006 tror jag. Jag bifogar en bild på märkskylten.",
    ),
    Exchange(
        ("brf", "business", "energy_certificate", "district_heating", "transport"),
        "Tack för din fråga! Kan du berätta lite mer om fastigheten eller lokalen: ungefär "
        "hur stor den är, hur den värms och hur mycket energi ni använder per år?",
        "Lokalen är på ungefär {yta} kvm och värms med {uppv}. Jag återkommer med "
        "förbrukningen när jag har fått den från vår ekonomiansvarige.",
    ),
)

INFO_REQUESTS_EN: tuple[Exchange, ...] = (
    Exchange(
        (),
        "Thank you for your question. To give you a good answer I need a little more "
        "information: roughly how much energy do you use per year, and how many people live "
        "in the house?",
        "We used about {kwh} kWh last year and we are four people in the household.",
    ),
    Exchange(
        (),
        "Thank you for getting in touch. Could you send the quote as an attachment here, so "
        "that I can see what is included?",
        "Here is the quote. Another company will send us their offer next week.",
    ),
)

# A requester's follow-up question after the first answer, and the adviser's reply.
FOLLOW_UPS_SV: tuple[Exchange, ...] = (
    Exchange(
        ("heating", "solar", "ventilation", "transport"),
        "Tack för ett utförligt svar! En följdfråga: hur lång tid tar en sådan installation "
        "ungefär, och behöver vi vara hemma hela tiden?",
        "Det brukar ta mellan en och tre dagar beroende på omfattning. Någon behöver vara "
        "hemma första och sista dagen, och installatören ska gå igenom inställningar och "
        "skötsel med er innan de lämnar.",
    ),
    Exchange(
        ("heating", "solar", "insulation", "ventilation", "district_heating"),
        "Tack! Vi har nu fått ytterligare en offert på {kr} kr. Den är billigare men saknar "
        "uppgift om effekt. Ska vi be om det?",
        "Ja, be installatören komplettera offerten med effekt och förväntad verkningsgrad, "
        "annars går den inte att jämföra med de andra. Lägst pris är inte alltid billigast "
        "över tid.",
    ),
    Exchange(
        ("heating", "insulation", "grants", "ventilation"),
        "Tack för svaret! Gäller ROT-avdraget även om huset ägs av min sambo och mig tillsammans?",
        "Ja, ni kan dela på avdraget om ni båda äger huset och båda betalar, så att var och "
        "en kan utnyttja sitt eget tak. Ange båda som köpare hos företaget.",
    ),
    Exchange(
        ("insulation",),
        "Tack! Vi har bestämt oss för att börja med vindsbjälklaget. Finns det något vi ska "
        "tänka på när vi väljer firma?",
        "Det låter som en bra plan. Välj en firma som kan visa referenser och som lämnar ett "
        "skriftligt anbud med tydlig uppgift om isoleringstjocklek, tätning runt vindsluckan "
        "och hur ventilationen av vinden säkras.",
    ),
    Exchange(
        (),
        "Tack för svaret! Hur lång tid brukar det ta innan en sådan investering har betalat sig?",
        "Det varierar mycket, men räkna med allt från några år för enkla åtgärder som tätning "
        "och styrning till 10–15 år för större investeringar. Gör gärna kalkylen med flera "
        "olika elpriser, så ser ni hur känslig den är.",
    ),
    Exchange(
        ("electricity_prices", "energy_use"),
        "Tack för snabbt svar! Jag bifogar vår senaste elräkning. Ser du något konstigt?",
        "Jag har tittat på fakturan. Förbrukningen ser rimlig ut för årstiden, men "
        "nätavgiften har höjts sedan förra året, och den påverkas inte av vilket "
        "elhandelsbolag du väljer.",
    ),
    Exchange(
        ("brf", "district_heating", "energy_certificate", "solar", "transport", "business"),
        "Tack! Kan jag få svaret som PDF så att jag kan visa det för resten av styrelsen?",
        "Ja, du kan ladda ned en sammanfattning av ärendet som PDF via länken i "
        "bekräftelsemejlet. Säg till om du behöver något mer inför styrelsemötet.",
    ),
    Exchange(
        ("heating", "solar", "insulation"),
        "Hej igen! Kommunen vill att vi skickar in en anmälan. Hur lång handläggningstid "
        "brukar det vara?",
        "Handläggningstiden skiljer sig mellan kommunerna, men räkna med några veckor. Vänta "
        "med att påbörja arbetet tills ni har fått besked.",
    ),
    Exchange(
        ("heating", "solar", "transport"),
        "Tack för hjälpen! Grannen har gjort samma sak och är nöjd, så vi kör på det du "
        "föreslog. En sista fråga: behöver vi meddela försäkringsbolaget?",
        "Det är en bra idé att meddela försäkringsbolaget när ni gör större installationer, "
        "så att försäkringen täcker anläggningen. Lycka till med projektet!",
    ),
    Exchange(
        ("heating", "solar", "insulation", "ventilation", "transport"),
        "Tack! Vad händer med garantin om vi själva gör en del av arbetet?",
        "Garantin gäller normalt bara det som företaget själva har utfört och levererat. "
        "Stäm av med företaget i förväg vilka delar ni kan göra själva utan att garantin "
        "påverkas, och få det skriftligt.",
    ),
    Exchange(
        (),
        "Tack för svaret! Var kan jag läsa mer om det här?",
        "Vi har samlat mycket i kunskapsbanken på vår webbplats, och du är välkommen på våra "
        "informationsträffar. Hör av dig igen om du har fler frågor.",
    ),
    Exchange(
        (),
        "Tack, det var precis vad jag behövde veta. Får jag höra av mig igen om det dyker "
        "upp fler frågor?",
        "Självklart! Svara bara i det här ärendet eller skicka en ny fråga via formuläret. "
        "Lycka till!",
    ),
)

FOLLOW_UPS_EN: tuple[Exchange, ...] = (
    Exchange(
        (),
        "Thanks for the detailed answer! How long does an installation like this usually take?",
        "Usually one to three days depending on the scope. Someone should be at home on the "
        "first and the last day, when the installer goes through the settings with you.",
    ),
    Exchange(
        (),
        "Thank you! Can I get the answer as a PDF to share with the board?",
        "Yes, you can download a summary of the case as a PDF from the link in the "
        "confirmation email.",
    ),
)

# --- What advisers write for each other (always Swedish) -------------------------------

# Internal notes, by topic; those under "" fit any case.
NOTES_SV: dict[str, tuple[str, ...]] = {
    "": (
        "Ringde men fick inget svar. Försöker igen i morgon.",
        "Lämnat meddelande på telefonsvararen.",
        "Bokat hembesök, se kalendern.",
        "Kunden föredrar kontakt per telefon, inte e-post.",
        "Bra exempel till kunskapsbanken; föreslår en artikel i ämnet.",
        "Stämt av svaret med en kollega innan det skickades.",
    ),
    "heating": (
        "Skickat länk till Energimyndighetens test av värmepumpar.",
        "Hänvisat till miljöförvaltningen angående anmälan av borrhål.",
        "Granskat bifogad offert: uppgift om dimensionerande effekt saknas.",
        "Kunden har två offerter som vi har gått igenom. Rekommenderat att begära en tredje.",
        "Stämt av med kollega om prisnivåer för bergvärme i länet.",
    ),
    "district_heating": ("Kontrollerat fjärrvärmebolagets prismodell på deras webbplats.",),
    "solar": (
        "Osäker på vad detaljplanen säger om solceller i området; frågat bygglovsenheten.",
        "Dörrknackare har sålt solceller i området; flera liknande frågor den här veckan.",
        "Kunden har två offerter som vi har gått igenom. Rekommenderat att begära en tredje.",
    ),
    "insulation": ("Skickat kunskapsartikeln om tilläggsisolering av vindsbjälklag.",),
    "ventilation": ("Hänvisat till miljöförvaltningen angående radonmätning.",),
    "electricity_prices": (
        "Hänvisat till konsumentvägledningen angående ångerrätt.",
        "Bra exempel till kunskapsbanken; föreslår en artikel om effektavgifter.",
    ),
    "energy_use": ("Väntar på elförbrukning per månad från kunden.",),
    "transport": ("Tipsat om informationsträffen om laddinfrastruktur i bostadsrättsföreningar.",),
    "energy_certificate": ("Kontrollerat energideklarationen i Boverkets register.",),
    "brf": (
        "Styrelsen återkommer efter nästa styrelsemöte.",
        "Tipsat om nätverket för bostadsrättsföreningar.",
    ),
    "business": ("Tipsat om energinätverket för små och medelstora företag.",),
}

# {amne} is the case's main topic, in lower case.
CALL_SUMMARIES_SV: tuple[str, ...] = (
    "Samtal om {amne}. Gick igenom kundens frågor och vilka alternativ som finns. Skickar "
    "sammanfattning per e-post.",
    "Kunden ringde om {amne}. Förklarade skillnaderna mellan alternativen och rekommenderade "
    "att ta in fler offerter.",
    "Uppföljande samtal. Kunden har bestämt sig och ville stämma av offerten innan underskrift.",
    "Längre samtal om {amne} och husets förutsättningar. Kunden ska ta fram förbrukningen "
    "per månad.",
    "Ringde upp kunden enligt önskemål. Frågan om {amne} är besvarad.",
    "Samtal om {amne}. Kunden vill ha ett skriftligt underlag att gå vidare med.",
    "Kort samtal; kunden ville bekräfta att de uppfattat svaret rätt.",
    "Kunden ringde om en offert från en dörrknackare. Rådde att inte skriva under och att ta "
    "in egna offerter.",
    "Samtal om {amne}. Kunden är orolig för kostnaderna i vinter; gick igenom sparråd och elavtal.",
    "Gick igenom energideklarationens åtgärdsförslag per telefon.",
    "Samtal om {amne}. Tipsade om kommunens informationsträff.",
    "Kunden ringde tillbaka med kompletterande uppgifter om huset.",
)

OFFICE_VISIT_SUMMARIES_SV: tuple[str, ...] = (
    "Besök på kontoret. Gick igenom offerterna och räknade på återbetalningstid tillsammans.",
    "Besök på kontoret om {amne}. Kunden fick med sig en skriftlig sammanfattning.",
    "Kunden kom in med sina elräkningar; gick igenom förbrukningen månad för månad.",
)

HOME_VISIT_SUMMARIES_SV: tuple[str, ...] = (
    "Hembesök. Gick igenom huset från källare till vind. Störst förbättringspotential i "
    "vindsbjälklaget och uppvärmningen.",
    "Hembesök med värmekamera. Luftläckor vid fönster och vindslucka noterade.",
    "Hembesök om {amne}. Tittade på värmesystemet och elcentralen; skickar förslag på "
    "åtgärder per e-post.",
)

EVENT_NOTES_SV: tuple[str, ...] = (
    "Frågan togs emot i vår monter på villamässan. Kunden vill ha svar per e-post.",
    "Fråga från informationskvällen om {amne} i kommunhuset.",
    "Kunden kom fram efter föredraget om {amne} och bad om ett skriftligt svar.",
    "Kontakt vid energidagen på biblioteket; lovade att återkomma.",
)

# --- What requesters say when they rate the service -------------------------------------

# Comments beside a rating of 4 or 5, and beside a rating of 3 or less.
SATISFACTION_PRAISE_SV: tuple[str, ...] = (
    "Mycket bra och tydliga svar, tack!",
    "Snabbt och sakligt svar.",
    "Skönt att få opartiska råd när alla säljare säger olika saker.",
    "Rådgivaren tog sig tid och förklarade pedagogiskt.",
    "Tack, nu vet vi hur vi ska gå vidare!",
    "Bra att kunna ringa och prata direkt med någon.",
)
SATISFACTION_CRITICISM_SV: tuple[str, ...] = (
    "Hade gärna fått svar lite snabbare.",
    "Svaret var lite för allmänt för vår situation.",
    "Jag hade hoppats på mer konkreta siffror för vårt hus.",
)
SATISFACTION_PRAISE_EN: tuple[str, ...] = (
    "Very helpful, thank you!",
    "Clear and impartial advice.",
)
SATISFACTION_CRITICISM_EN: tuple[str, ...] = ("A bit general for our situation.",)
