"""How often the suggested event type (SPEC §20) is right: generated Danish narratives per event type,
all classified, a held-out share asked for a suggestion as if unclassified.

    .venv/bin/python bench/suggestion_accuracy.py [--per-type 40] [--held-out 0.2] [--backend whoosh]

Each narrative has a generic headline of its group, one sentence typical of its event type, in 30 %
of cases one of a sibling type (several types share words: medication given twice or not at all,
falls with or without harm) and four sentences any report may hold. Reported:
exact code right, right at the top level (medicinering / fald / ...), how often there was a
suggestion at all (two of the five most similar classified cases must agree).
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TYPICAL = {
    "fald.med_skade": ["Patienten faldt på badeværelset og slog hoften", "Borgeren blev fundet på gulvet med smerter i armen",
                       "Efter faldet blev der konstateret brud og patienten blev røntgenfotograferet",
                       "Hun faldt ud af sengen om natten og fik et sår i panden der måtte syes",
                       "Faldet skete ved forflytning fra kørestol til seng, og patienten fik en fraktur"],
    "fald.uden_skade": ["Patienten faldt på gangen men kom ikke til skade", "Borgeren gled i badet, ingen synlige skader",
                        "Han blev fundet siddende på gulvet ved sengen uden skader",
                        "Faldet skete om natten ved toiletbesøg; lægen tilså patienten uden fund"],
    "fald.forebyggelse": ["Der var ikke lavet faldrisikovurdering ved indlæggelsen",
                          "Sengealarmen var ikke tændt selvom patienten var faldtruet",
                          "Rollatoren stod uden for rækkevidde og der var ingen skridsikre sokker"],
    "medicinering.administration.ikke_givet": ["Morgenmedicinen blev ikke givet", "Insulin blev glemt ved aftenmåltidet",
                                               "Doseringsæsken stod urørt i skabet", "Patienten fik ikke sin blodfortyndende medicin"],
    "medicinering.administration.forkert_tidspunkt": ["Medicinen blev givet tre timer for sent",
                                                      "Insulin blev givet to gange fordi dagvagten ikke havde kvitteret",
                                                      "Antibiotika blev givet på forkert tidspunkt i forhold til ordinationen"],
    "medicinering.ordination.forkert_dosis": ["Lægen ordinerede ti gange for høj dosis morfin", "Dosis var ordineret i mg i stedet for mikrogram",
                                              "Ordinationen af paracetamol oversteg den anbefalede døgndosis"],
    "medicinering.medicinliste.fmk_ikke_opdateret": ["Medicinlisten i FMK var ikke opdateret efter udskrivelsen",
                                                     "FMK viste stadig den seponerede medicin", "Hjemmeplejen dispenserede efter en gammel medicinliste i FMK"],
    "overgange.information.epikrise": ["Epikrisen blev ikke sendt til egen læge", "Egen læge modtog først epikrisen efter kontrollen",
                                       "Epikrisen manglede oplysning om ændret behandling"],
    "overgange.aftaler.hjaelpemidler": ["Hjælpemidlerne var ikke leveret da borgeren kom hjem", "Plejesengen var ikke klar ved udskrivelsen",
                                        "Borgeren blev udskrevet uden den aftalte kørestol"],
    "infektioner.kateter": ["Patienten udviklede feber og urinvejsinfektion fra kateteret", "Kateteret havde ligget for længe uden skift",
                            "Der var pus ved indstiksstedet for det perifere venekateter"],
}
COMMON = ["Hændelsen blev opdaget af personalet i aftenvagten", "Pårørende gjorde opmærksom på forholdet",
          "Der var travlt i afdelingen og flere nye kolleger på vagt", "Patienten blev observeret tæt resten af døgnet",
          "Sagen blev drøftet på morgenkonferencen", "Borgeren er 84 år og bor alene med hjemmepleje",
          "Lægen blev tilkaldt og vurderede situationen", "Der blev givet besked til nærmeste leder"]


TITLES = {"fald": ["Fald", "Patient faldt", "Fald i afdelingen", "Borger faldet"],
          "medicinering": ["Medicineringsfejl", "Fejl i medicin", "Medicin", "Utilsigtet hændelse med medicin"],
          "overgange": ["Problem ved udskrivelse", "Sektorovergang", "Mangler ved hjemkomst"],
          "infektioner": ["Infektion", "Infektion efter indgreb"]}


def narrative(rng: random.Random, event_type: str) -> tuple[str, str]:
    """A generic headline of the group, one sentence of the type, sometimes one of a sibling type
    (a fall report that also mentions prevention), and four sentences any report may hold."""
    group = event_type.split(".")[0]
    text = [rng.choice(TYPICAL[event_type])]
    siblings = [t for t in TYPICAL if t.split(".")[0] == group and t != event_type]
    if siblings and rng.random() < 0.3:
        text.append(rng.choice(TYPICAL[rng.choice(siblings)]))
    text += rng.sample(COMMON, k=4)
    rng.shuffle(text)
    return rng.choice(TITLES[group]), ". ".join(text) + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-type", type=int, default=40)
    parser.add_argument("--held-out", type=float, default=0.2)
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="uth-suggestion-"))
    os.environ["UTH_INSTANCE_DIR"] = str(workdir / "instance")
    try:
        from bench.search_service_bench import PG_URL, build_region, drop_pg_database, fresh_pg_database, make_app

        db_url = None
        if args.backend == "postgres":
            db_url = PG_URL
            fresh_pg_database(db_url)
        app = make_app(workdir, args.backend, db_url)
        with app.app_context():
            result = evaluate(args, build_region)
        if db_url:
            drop_pg_database(db_url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    n, exact, group, suggested = result
    print(f"{args.backend}: {n} held-out cases of {len(TYPICAL)} event types ({args.per_type} per type, "
          f"{args.held_out:.0%} held out)")
    print(f"  suggestion given  {suggested}/{n} ({suggested / n:.0%})")
    print(f"  exact code right  {exact}/{n} ({exact / n:.0%}); of those given {exact / max(suggested, 1):.0%}")
    print(f"  top level right   {group}/{n} ({group / n:.0%})")


def evaluate(args, build_region) -> tuple[int, int, int, int]:
    from uth.auth.models import User
    from uth.clock import utcnow
    from uth.extensions import db
    from uth.handling.actions import perform
    from uth.reports.services import submit_report
    from uth.reports.validation import parse_report
    from uth.search.similar import suggested_event_type

    actors = build_region(utcnow())
    rng = random.Random(args.seed)
    central = db.session.get(User, actors["central"])
    received = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    cases = []
    for event_type in TYPICAL:
        for _ in range(args.per_type):
            title, description = narrative(rng, event_type)
            data = parse_report({"title": title, "description": description, "event_org": "H-NORD-1", "reporting_org": "H-NORD-1",
                                 "occurred_at": (received - timedelta(hours=3)).isoformat(),
                                 "actual_consequence": "minor", "possible_consequence": "serious_or_fatal"},
                                public=False, reporter=None, now=received, allow_received_at=True)
            case, _ = submit_report(None, data, now=received, notify=False)
            cases.append((case.id, event_type))
    db.session.commit()
    rng.shuffle(cases)
    cut = int(len(cases) * args.held_out)
    held, train = cases[:cut], cases[cut:]
    for case_id, event_type in train:
        from uth.reports.models import Case

        perform(central, db.session.get(Case, case_id), "classify", {"event_type": event_type}, now=received)
    db.session.commit()
    exact = group = suggested = 0
    for case_id, event_type in held:
        from uth.reports.models import Case

        suggestion = suggested_event_type(central, db.session.get(Case, case_id))
        if suggestion is None:
            continue
        suggested += 1
        exact += suggestion.code == event_type
        group += suggestion.code.split(".")[0] == event_type.split(".")[0]
    return len(held), exact, group, suggested


if __name__ == "__main__":
    main()
