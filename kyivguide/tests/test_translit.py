from __future__ import annotations

import pytest

from kyivguide.translit import has_ukrainian, transliterate


@pytest.mark.parametrize(
    ("ukrainian", "latin"),
    [
        # Examples given with the official table (KMU resolution No. 55, 2010).
        ("Згорани", "Zghorany"),
        ("Розгон", "Rozghon"),
        ("Єнакієве", "Yenakiieve"),
        ("Наталія", "Nataliia"),
        ("Їжакевич", "Yizhakevych"),
        ("Кадиївка", "Kadyivka"),
        ("Йосипівка", "Yosypivka"),
        ("Стрий", "Stryi"),
        ("Юрій", "Yurii"),
        ("Крюківка", "Kriukivka"),
        ("Яготин", "Yahotyn"),
        ("Костянтин", "Kostiantyn"),
        ("Знам'янка", "Znamianka"),
        ("Феодосія", "Feodosiia"),
        ("Щербухи", "Shcherbukhy"),
        ("Гоща", "Hoshcha"),
        ("Гаївка", "Haivka"),
        ("Ґалаґан", "Galagan"),
        # Names the app shows.
        ("Київська область", "Kyivska oblast"),
        ("м. Київ", "m. Kyiv"),
        ("Білоцерківський район", "Bilotserkivskyi raion"),
        ("Кам’янець-Подільський район", "Kamianets-Podilskyi raion"),
        ("вул. Антоновича, 10-Б", "vul. Antonovycha, 10-B"),
        ("ЩАСТЯ", "SHCHASTIA"),
        ("Kyiv 2022", "Kyiv 2022"),
    ],
)
def test_official_transliteration(ukrainian: str, latin: str) -> None:
    assert transliterate(ukrainian) == latin


def test_an_apostrophe_outside_a_word_is_kept() -> None:
    assert transliterate("'Київ'") == "'Kyiv'"


def test_has_ukrainian() -> None:
    assert has_ukrainian("Kyiv м.") is True
    assert has_ukrainian("Kyiv 2022") is False
