"""Articles and personal pronouns of the languages Habla draws verb tables for: small closed sets, kept as data.

No library holds these as data (verbecc and mlconjug3 conjugate; simplemma lemmatises), and they are
closed classes every grammar lists the same way, so they are written out here, each from a reference
grammar (named beside it). Each table is ``(title, header, rows)``; ``tables.render`` lays it out for a
phone. Labels are in the language itself, as a textbook for that language prints them (m./f. masculine/feminine,
sg./pl. singular/plural, the abbreviations dictionaries use).
"""

from __future__ import annotations

Table = tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]]

# Articles: definite and indefinite, by gender and number.
ARTICLES: dict[str, Table] = {
    # Real Academia Española, Nueva gramática básica de la lengua española (2011), §14 (el artículo)
    "es": ("Artículos", ("", "definido", "indefinido"), (
        ("m. sg.", "el", "un"), ("f. sg.", "la", "una"),
        ("m. pl.", "los", "unos"), ("f. pl.", "las", "unas"),
        ("a + el", "al", ""), ("de + el", "del", ""),
    )),
    # Grevisse & Goosse, Le Bon Usage (16e éd., 2016), §§ 580–586 (l'article)
    "fr": ("Articles", ("", "défini", "indéfini"), (
        ("m. sg.", "le (l')", "un"), ("f. sg.", "la (l')", "une"),
        ("pluriel", "les", "des"), ("à + le / les", "au / aux", ""), ("de + le / les", "du / des", ""),
    )),
    # Serianni, Grammatica italiana (UTET, 1989), cap. IV (l'articolo)
    "it": ("Articoli", ("", "determ.", "indeterm."), (
        ("m. sg.", "il", "un"), ("m. sg. s+cons., z, gn…", "lo", "uno"), ("m. sg. + vocale", "l'", "un"),
        ("f. sg.", "la (l')", "una (un')"), ("m. pl.", "i", ""), ("m. pl. (lo, l')", "gli", ""),
        ("f. pl.", "le", ""),
    )),
    # Cunha & Cintra, Nova Gramática do Português Contemporâneo (1985), cap. 9 (artigo)
    "pt": ("Artigos", ("", "definido", "indefinido"), (
        ("m. sg.", "o", "um"), ("f. sg.", "a", "uma"),
        ("m. pl.", "os", "uns"), ("f. pl.", "as", "umas"),
        ("de + o / a", "do / da", ""), ("em + o / a", "no / na", ""),
    )),
    # Academia Română, Gramatica limbii române (2005), vol. I, articolul: the definite article is a suffix
    "ro": ("Articolul", ("", "hotărât", "nehotărât"), (
        ("m. sg.", "-ul, -le (pom-ul)", "un"), ("f. sg.", "-a (cas-a)", "o"),
        ("m. pl.", "-i (pomi-i)", "niște"), ("f. pl.", "-le (case-le)", "niște"),
    )),
    # Institut d'Estudis Catalans, Gramàtica de la llengua catalana (2016), cap. 19 (l'article)
    "ca": ("Articles", ("", "definit", "indefinit"), (
        ("m. sg.", "el (l')", "un"), ("f. sg.", "la (l')", "una"),
        ("m. pl.", "els", "uns"), ("f. pl.", "les", "unes"),
        ("a + el / els", "al / als", ""), ("de + el / els", "del / dels", ""),
    )),
    # Huddleston & Pullum, The Cambridge Grammar of the English Language (2002), ch. 5 §6 (articles)
    "en": ("Articles", ("", "definite", "indefinite"), (
        ("singular", "the", "a / an"), ("plural", "the", "(some)"),
        ("a + consonant sound", "", "a book"), ("an + vowel sound", "", "an hour"),
    )),
}

# Personal pronouns: subject, direct object, indirect object, by person (reflexives are in the verb tables).
PRONOUNS: dict[str, Table] = {
    # RAE, Nueva gramática básica (2011), §16 (el pronombre personal)
    "es": ("Pronombres", ("sujeto", "obj. directo", "obj. indirecto"), (
        ("yo", "me", "me"), ("tú", "te", "te"), ("él / ella / usted", "lo / la", "le (se)"),
        ("nosotros", "nos", "nos"), ("vosotros", "os", "os"), ("ellos / ellas / ustedes", "los / las", "les (se)"),
    )),
    # Grevisse & Goosse, Le Bon Usage (2016), §§ 653–666 (pronoms personnels)
    "fr": ("Pronoms", ("sujet", "COD", "COI"), (
        ("je", "me (m')", "me (m')"), ("tu", "te (t')", "te (t')"), ("il / elle / on", "le / la (l')", "lui"),
        ("nous", "nous", "nous"), ("vous", "vous", "vous"), ("ils / elles", "les", "leur"),
    )),
    # Serianni, Grammatica italiana (1989), cap. VII (pronomi personali)
    "it": ("Pronomi", ("soggetto", "diretto", "indiretto"), (
        ("io", "mi", "mi"), ("tu", "ti", "ti"), ("lui / lei", "lo / la", "gli / le"),
        ("noi", "ci", "ci"), ("voi", "vi", "vi"), ("loro", "li / le", "gli (loro)"),
    )),
    # Cunha & Cintra, Nova Gramática (1985), cap. 11 (pronomes pessoais)
    "pt": ("Pronomes", ("sujeito", "obj. direto", "obj. indireto"), (
        ("eu", "me", "me"), ("tu", "te", "te"), ("ele / ela / você", "o / a", "lhe"),
        ("nós", "nos", "nos"), ("vós", "vos", "vos"), ("eles / elas / vocês", "os / as", "lhes"),
    )),
    # Academia Română, Gramatica limbii române (2005), vol. I, pronumele personal (forme neaccentuate)
    "ro": ("Pronume", ("nominativ", "acuzativ", "dativ"), (
        ("eu", "mă", "îmi"), ("tu", "te", "îți"), ("el / ea", "îl / o", "îi"),
        ("noi", "ne", "ne"), ("voi", "vă", "vă"), ("ei / ele", "îi / le", "le"),
    )),
    # IEC, Gramàtica de la llengua catalana (2016), cap. 16 (pronoms personals febles)
    "ca": ("Pronoms", ("subjecte", "CD", "CI"), (
        ("jo", "em", "em"), ("tu", "et", "et"), ("ell / ella", "el / la", "li"),
        ("nosaltres", "ens", "ens"), ("vosaltres", "us", "us"), ("ells / elles", "els / les", "els"),
    )),
    # Huddleston & Pullum, Cambridge Grammar (2002), ch. 17 §2 (personal pronouns)
    "en": ("Pronouns", ("subject", "object", "possessive"), (
        ("I", "me", "my / mine"), ("you", "you", "your / yours"), ("he", "him", "his"), ("she", "her", "her / hers"),
        ("it", "it", "its"), ("we", "us", "our / ours"), ("they", "them", "their / theirs"),
    )),
}

GRAMMAR_TABLES = {"articles": ARTICLES, "pronouns": PRONOUNS}
