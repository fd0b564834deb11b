from __future__ import annotations

import pytest

from shelters.translit import address_en, transliterate


# The examples of the table in CMU resolution No. 55 (2010), one per letter rule.
@pytest.mark.parametrize(
    ("ukrainian", "latin"),
    [
        ("Алушта", "Alushta"),
        ("Борщагівка", "Borshchahivka"),
        ("Вінниця", "Vinnytsia"),
        ("Гадяч", "Hadiach"),
        ("Згорани", "Zghorany"),
        ("Розгон", "Rozghon"),
        ("Ґалаґан", "Galagan"),
        ("Дон", "Don"),
        ("Рівне", "Rivne"),
        ("Єнакієве", "Yenakiieve"),
        ("Наєнко", "Naienko"),
        ("Житомир", "Zhytomyr"),
        ("Закарпаття", "Zakarpattia"),
        ("Медвин", "Medvyn"),
        ("Іршава", "Irshava"),
        ("Їжакевич", "Yizhakevych"),
        ("Кадиївка", "Kadyivka"),
        ("Йосипівка", "Yosypivka"),
        ("Стрий", "Stryi"),
        ("Олексій", "Oleksii"),
        ("Київ", "Kyiv"),
        ("Миколаїв", "Mykolaiv"),
        ("Одеса", "Odesa"),
        ("Харків", "Kharkiv"),
        ("Біла Церква", "Bila Tserkva"),
        ("Чернівці", "Chernivtsi"),
        ("Гоща", "Hoshcha"),
        ("Русь", "Rus"),
        ("Юрій", "Yurii"),
        ("Крюківка", "Kriukivka"),
        ("Яготин", "Yahotyn"),
        ("Ічня", "Ichnia"),
        ("Знам'янка", "Znamianka"),
        ("Знам’янка", "Znamianka"),
        ("Лукʼянівська", "Lukianivska"),
        ("Івано-Франківськ", "Ivano-Frankivsk"),
        ("ЖЕД №6", "ZHED №6"),
        ("«Хрещатик»", "«Khreshchatyk»"),
    ],
)
def test_transliteration_follows_the_official_table(ukrainian: str, latin: str) -> None:
    assert transliterate(ukrainian) == latin


@pytest.mark.parametrize(
    ("address", "english"),
    [
        ("вул. Антоновича, 10-Б", "Antonovycha St, 10-B"),
        ("вул. Єфремова Академіка, 25", "Yefremova Akademika St, 25"),
        ("просп. Героїв Сталінграда, 24-А", "Heroiv Stalinhrada Ave, 24-A"),
        ("бульв. Дружби Народів, 10", "Druzhby Narodiv Blvd, 10"),
        ("пров. Квітневий, 12", "Kvitnevyi Ln, 12"),
        ("пл. Героїв Бресту, 1/3", "Heroiv Brestu Sq, 1/3"),
        ("майдан Незалежності, 1", "Nezalezhnosti Sq, 1"),
        ("узвіз Печерський, 19", "Pecherskyi Descent, 19"),
        ("Кудрявський узвіз, 2", "Kudriavskyi Descent, 2"),
        ("вул. Дніпровська набережна, 14-А", "Dniprovska Emb, 14-A"),
        ("Стратегічне шосе, 39", "Stratehichne Hwy, 39"),
        ("вул. Політехнічна, 6, к.6", "Politekhnichna St, 6, bldg 6"),
        ("Станція метро «Хрещатик»", "Khreshchatyk metro station"),
        ("Станція метрополітену «Лук’янівська»", "Lukianivska metro station"),
        ("вул. Васильківська, ріг вул. Стельмаха", "Vasylkivska St, corner of Stelmakha St"),
        (
            "перехр. вул. Героїв Дніпр – просп. Оболонський",
            "junction of Heroiv Dnipr St – Obolonskyi Ave",
        ),
    ],
)
def test_english_address_reads_like_kyivs_street_signs(address: str, english: str) -> None:
    assert address_en(address) == english
