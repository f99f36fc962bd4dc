"""First names that end like a Danish definite noun: the ones sign-with-name must still read as a person's.

sign-with-name reads a sign-off word that ends like a Danish noun in its definite form ("Mvh Køreskolen", "Hilsen
Biblioteket", "Venlig hilsen Flyttefolkene") as the company's, not a person's, unless it is one of these names ("Mvh
Søren", "Kind regards, Imogen"). They are every first name in Faker's person providers (its name lists for each
country, MIT licence), in Latin letters, that ends so. make train writes them to
api/replyguard/models/names-like-nouns.json, and a test fails when the shipped list is not what Faker gives.
"""

import importlib
import json
import pkgutil
import re

import faker
import faker.providers.person

# The ending the rule's patterns read as a definite noun's (sign-with-name.yml): -en, -et or -erne after at least two
# letters, not -sen (Jensen, Nielsen: a surname is a person).
NOUN_LIKE = re.compile(r"[\w-]{2,}(?<!s)(?:en|et|erne)")
LATIN_NAME = re.compile(r"[A-ZÆØÅ][a-zæøåäöüéèáíóúñ]+")
NAME_LISTS = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")


def faker_first_names() -> set[str]:
    names = set()
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attribute in NAME_LISTS:
            listed = provider.__dict__.get(attribute, ())
            if isinstance(listed, (list, tuple, dict, set)):  # some providers make theirs a property
                names.update(listed)
    return {name for name in names if LATIN_NAME.fullmatch(name)}


def names_like_nouns_json() -> str:
    names = sorted(name for name in faker_first_names() if NOUN_LIKE.fullmatch(name.lower()))
    return json.dumps({"source": f"Faker {faker.VERSION}, faker.providers.person (MIT licence)", "names": names},
                      ensure_ascii=False, indent=0) + "\n"
