"""A believable demo region (Region Midtjylland-like): organisations, users of every role, sample cases."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from uth.auth.orgs import get_or_create_cluster, import_orgs
from uth.auth.services import add_user, find_user, grant_role
from uth.handling.actions import perform
from uth.handling.mail import responsible_risk_managers
from uth.notifications.services import risk_managers_of
from uth.reports.dialogue import reporter_writes
from uth.reports.services import submit_report
from uth.reports.validation import parse_report
from uth.routing.admin import add_rule

DEMO_PASSWORD = "demo-password"

ORGS_CSV = """code,name,sector,parent,cluster
RM,Region Midtjylland,region,,
RM-KVAL,Kvalitet og Patientsikkerhed Region Midtjylland,region,RM,
AUH,Aarhus Universitetshospital,hospital,RM,KL-AARHUS
AUH-AKU,AUH Akutmodtagelsen,hospital,AUH,KL-AARHUS
AUH-MED,AUH Medicinsk Afdeling,hospital,AUH,KL-AARHUS
AUH-MED-M1,AUH Medicinsk sengeafsnit M1,hospital,AUH-MED,KL-AARHUS
AUH-MED-M2,AUH Medicinsk sengeafsnit M2,hospital,AUH-MED,KL-AARHUS
AUH-ORT,AUH Ortopædkirurgi,hospital,AUH,KL-AARHUS
AUH-HJE,AUH Hjertesygdomme,hospital,AUH,KL-AARHUS
RHG,Regionshospitalet Gødstrup,hospital,RM,KL-VEST
RHG-MED,RHG Medicinsk Afdeling,hospital,RHG,KL-VEST
RHG-KIR,RHG Kirurgi,hospital,RHG,KL-VEST
HEH,Hospitalsenheden Horsens,hospital,RM,KL-HORSENS
HEH-MED,HEH Medicinsk Afdeling,hospital,HEH,KL-HORSENS
PRM,Psykiatrien Region Midtjylland,psykiatri,RM,KL-AARHUS
PRM-AFD,Afdeling for Depression og Angst,psykiatri,PRM,KL-AARHUS
PRE,Præhospitalet,praehospital,RM,
PRAKSIS,Almen praksis Region Midtjylland,almen_praksis,RM,
AP-TROJ,Lægerne i Trøjborg,almen_praksis,PRAKSIS,KL-AARHUS
AP-HER,Lægehuset Herning Midt,almen_praksis,PRAKSIS,KL-VEST
AP-HOR,Lægerne på Torvet Horsens,almen_praksis,PRAKSIS,KL-HORSENS
K751,Aarhus Kommune,kommune,,KL-AARHUS
K751-HJN,Aarhus Hjemmepleje Nord,kommune,K751,KL-AARHUS
K751-SYG,Aarhus Hjemmesygepleje,kommune,K751,KL-AARHUS
K751-PKG,Plejehjemmet Kongsgården,kommune,K751,KL-AARHUS
K657,Herning Kommune,kommune,,KL-VEST
K657-HJP,Herning Hjemmepleje,kommune,K657,KL-VEST
K657-PLC,Plejecenter Brændgårdvej,kommune,K657,KL-VEST
K615,Horsens Kommune,kommune,,KL-HORSENS
K615-HJP,Horsens Hjemmepleje,kommune,K615,KL-HORSENS
APO-LOVE,Aarhus Løve Apotek,apotek,,KL-AARHUS
APO-HER,Herning Apotek,apotek,,KL-VEST
"""

CLUSTERS = {"KL-AARHUS": "Klynge Aarhus", "KL-VEST": "Klynge Vest (Gødstrup)", "KL-HORSENS": "Klynge Horsens"}

USERS = [
    ("admin@demo.uth.dk", "Anne Admin", [("admin", None)]),
    ("central@rm.demo.uth.dk", "Carsten Central", [("central_risk_manager", "RM"), ("reporter", "RM")]),
    ("risiko@auh.demo.uth.dk", "Rikke Risikomanager", [("risk_manager", "AUH"), ("reporter", "AUH")]),
    ("kvalitet@rm.demo.uth.dk", "Kirsten Kvalitet", [("risk_manager", "RM-KVAL")]),
    ("risiko@rhg.demo.uth.dk", "Rasmus Risikomanager", [("risk_manager", "RHG")]),
    ("risiko@aarhus.demo.uth.dk", "Karen Kommunal", [("risk_manager", "K751"), ("reporter", "K751")]),
    ("risiko@herning.demo.uth.dk", "Henrik Herning", [("risk_manager", "K657")]),
    ("risiko@praksis.demo.uth.dk", "Pia Praksiskonsulent", [("risk_manager", "PRAKSIS")]),
    ("risiko@psykiatri.demo.uth.dk", "Peter Psykiatri", [("risk_manager", "PRM")]),
    ("sygeplejerske@auh.demo.uth.dk", "Sofie Sygeplejerske", [("reporter", "AUH-MED-M1")]),
    ("hjemmehjaelper@aarhus.demo.uth.dk", "Hanne Hjemmehjælper", [("reporter", "K751-HJN")]),
    ("laege@trojborg.demo.uth.dk", "Lars Thorsen", [("reporter", "AP-TROJ")]),
    ("farmaceut@apotek.demo.uth.dk", "Frida Farmaceut", [("reporter", "APO-LOVE")]),
    ("forum@klynge.demo.uth.dk", "Freja Forum", [("forum_member", "KL-AARHUS")]),
]

# (title, description, event_type, transition, from, to, event_org, reporting_org, actual, possible)
SCENARIOS = [
    ("Epikrise ikke modtaget efter udskrivelse",
     "Patienten blev udskrevet fredag eftermiddag. Egen læge havde mandag ikke modtaget epikrisen, og ændringen i "
     "blodfortyndende behandling var derfor ukendt ved kontrollen.", "overgange.information.epikrise",
     "udskrivelse.epikrise", "AUH-MED-M1", "AP-TROJ", "AUH-MED-M1", "AP-TROJ", "none", "serious_or_fatal"),
    ("Medicinliste ikke afstemt ved hjemkomst",
     "Ved hjemkomst fra hospitalet stemte medicinlisten i FMK ikke med den medicin, borgeren havde med hjem. "
     "Hjemmeplejen gav den gamle dosis i to døgn, før fejlen blev opdaget.", "medicinering.medicinliste.ikke_afstemt",
     "medicin.fmk", "AUH-MED-M2", "K751-HJN", "K751-HJN", "K751-HJN", "minor", "serious_or_fatal"),
    ("Fald på plejehjem om natten",
     "Beboeren faldt på vej til toilettet om natten. Sengehesten var ikke slået op, og alarmen var ikke inden for "
     "rækkevidde. Beboeren fik et sår på panden.", "fald.med_skade", None, None, None, "K751-PKG", "K751-PKG", "minor", "minor"),
    ("Udskrivningsrapport manglede oplysning om ilt",
     "Borgeren blev udskrevet med iltbehandling, men udskrivningsrapporten nævnte ikke ilt. Hjemmesygeplejen havde "
     "ikke ilt klar ved hjemkomst.", "overgange.information.udskrivningsrapport", "udskrivelse.rapport",
     "RHG-MED", "K657-HJP", "RHG-MED", "K657-HJP", "none", "serious_or_fatal"),
    ("Forkert dosis i dosisdispensering",
     "Ved kontrol af dosisrullen opdagede apoteket, at metformin var pakket med dobbelt dosis efter en ændring i FMK, "
     "der ikke var slået igennem.", "medicinering.dispensering.forkert_dosis", "medicin.dosisdispensering",
     "APO-LOVE", "K751-HJN", "APO-LOVE", "APO-LOVE", "none", "minor"),
    ("Henvisning til genoptræning ikke modtaget",
     "Patienten blev udskrevet efter hoftealloplastik med besked om genoptræning. Kommunen modtog aldrig "
     "genoptræningsplanen, og borgeren ventede tre uger.", "overgange.information.genoptraeningsplan",
     "udskrivelse.genoptraeningsplan", "AUH-ORT", "K751-SYG", "AUH-ORT", "K751-SYG", "minor", "minor"),
    ("Manglende overdragelse fra ambulance",
     "Ved ankomst til akutmodtagelsen blev der ikke givet mundtlig overlevering, og det præhospitale journalnotat "
     "var ikke tilgængeligt. Allergi over for penicillin blev først opdaget senere.", "behandling.forsinket",
     "praehospital", "PRE", "AUH-AKU", "AUH-AKU", "AUH-AKU", "none", "serious_or_fatal"),
    ("Insulin ikke givet ved aftenbesøg",
     "Aftenbesøget blev aflyst på grund af sygdom blandt personalet, og insulinen blev ikke givet. Borgeren havde "
     "højt blodsukker næste morgen.", "medicinering.administration.ikke_givet", None, None, None, "K657-HJP",
     "K657-HJP", "minor", "serious_or_fatal"),
    ("Prøvesvar ikke fulgt op i almen praksis",
     "Et forhøjet kaliumsvar blev sendt til praksis, men blev ikke set, fordi det lå i en forkert indbakke. "
     "Patienten blev indlagt fem dage senere.", "diagnostik.proevesvar", "henvisning", "AP-HOR", "HEH-MED",
     "AP-HOR", "AP-HOR", "serious", None),
    ("Selvmordsforsøg efter udskrivelse fra psykiatrien",
     "Patienten blev udskrevet uden aftale om opfølgning i kommunen. Fire dage efter udskrivelsen forsøgte "
     "patienten selvmord.", "selvskade.forsoeg", "udskrivelse.advis", "PRM-AFD", "K751", "PRM-AFD", "PRM-AFD",
     "serious", None),
    ("Forsinket indlæggelsesrapport fra hjemmeplejen",
     "Ved indlæggelse manglede indlæggelsesrapporten fra hjemmeplejen, så oplysninger om borgerens funktionsniveau "
     "og kost var ukendte i de første døgn.", "overgange.information.indlaeggelsesrapport", "indlaeggelse.rapport",
     "K615-HJP", "HEH-MED", "HEH-MED", "HEH-MED", "none", "minor"),
]


def load_demo(*, now: datetime) -> list[str]:
    """Load the demo region once (idempotent) and return the lines to print."""
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    first_time = find_user(USERS[0][0]) is None
    import_orgs(ORGS_CSV)
    for code, name in CLUSTERS.items():
        get_or_create_cluster(code, name)
    for email, name, grants in USERS:
        user = find_user(email) or add_user(email, name, DEMO_PASSWORD, now=now)
        for role, scope in grants:
            grant_role(user, role, scope, now=now)
        roles = ", ".join(f"{r}{' ' + s if s else ''}" for r, s in grants)
        lines.append(f"  {email:38} {roles}")
    if first_time:
        # What neither a rule nor the tree reaches (the pharmacies, Horsens, Præhospitalet) goes to the
        # region's quality unit: no demo case reaches nobody (SPEC §24).
        add_rule(find_user(USERS[0][0]), {"name": "Alle øvrige sager til Kvalitet og Patientsikkerhed",
                                          "catch_all": "1", "target_org": "RM-KVAL"}, now=now)
        count = _sample_cases(now)
        lines.append(f"{count} sample cases loaded.")
    return lines


def _handle_like_a_risk_manager(case, received: datetime, now: datetime, rng: random.Random) -> None:
    """Move older demo cases along the workflow, so the queue looks like a real morning."""
    handlers = risk_managers_of(case.handling_org_id)
    age = (now - received).days
    if not handlers or age < 2:
        return
    rm = handlers[0]
    perform(rm, case, "acknowledge", {}, now=received + timedelta(days=1))
    if age < 6:
        return
    perform(rm, case, "assign", {"assignee": rm.email}, now=received + timedelta(days=3))
    answering = [link.org for link in case.involved if responsible_risk_managers(link.org)]
    if answering and age < 40 and rng.random() < 0.5:
        perform(rm, case, "request_statement", {"org": answering[0].code,
                "question": "Kan I beskrive, hvordan overleveringen foregik hos jer?"}, now=received + timedelta(days=4))
    elif age > 60 and rng.random() < 0.7:
        perform(rm, case, "classify", {"event_type": case.event_type or "overgange.information"}, now=received + timedelta(days=5))
        perform(rm, case, "close", {
            "conclusion": "Overleveringen manglede oplysninger, som modtageren havde brug for.",
            "learning": "Oplysningerne sendes med ved overgangen, og modtageren bekræfter modtagelsen.",
        }, now=received + timedelta(days=rng.randint(20, 55)))


def _sample_cases(now: datetime) -> int:
    rng = random.Random(2026)
    reporters = {u[0]: find_user(u[0]) for u in USERS}
    by_org = {"AUH-MED-M1": "sygeplejerske@auh.demo.uth.dk", "K751-HJN": "hjemmehjaelper@aarhus.demo.uth.dk",
              "AP-TROJ": "laege@trojborg.demo.uth.dk", "APO-LOVE": "farmaceut@apotek.demo.uth.dk"}
    count = 0
    for round_ in range(3):
        for title, description, event_type, t_type, t_from, t_to, event_org, reporting_org, actual, possible in SCENARIOS:
            received = now - timedelta(days=rng.randint(0, 110), hours=rng.randint(0, 20))
            occurred = received - timedelta(days=rng.randint(0, 5), hours=rng.randint(1, 12))
            reporter = reporters.get(by_org.get(reporting_org, "central@rm.demo.uth.dk"))
            body = {
                "occurred_at": occurred.isoformat(), "received_at": received.isoformat(),
                "title": title if round_ == 0 else f"{title} ({round_ + 1})", "description": description,
                "event_type": event_type if rng.random() < 0.8 else None,
                "event_org": event_org, "reporting_org": reporting_org,
                "actual_consequence": actual, "possible_consequence": possible,
                "transition": {"type": t_type, "from_org": t_from, "to_org": t_to} if t_type else None,
                "patient": {"cpr": f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(30, 99)}-{rng.randint(1000, 9999)}",
                            "name": rng.choice(["Jens Hansen", "Birthe Nielsen", "Ole Jensen", "Inge Pedersen"])},
            }
            data = parse_report(body, public=False, reporter=reporter, now=now, allow_received_at=True)
            case, _ = submit_report(reporter, data, now=received)
            _handle_like_a_risk_manager(case, received, now, rng)
            count += 1
    public = parse_report({
        "occurred_at": (now - timedelta(days=3)).isoformat(), "event_org": "AUH-AKU",
        "title": "Min mor ventede ni timer uden smertestillende",
        "description": "Min mor lå i akutmodtagelsen i ni timer med et brækket ben uden at få smertestillende medicin.",
        "actual_consequence": "minor", "possible_consequence": "minor",
        "reporter": {"profession": "pårørende"},
    }, public=True, reporter=None, now=now)
    case, _ = submit_report(None, public, now=now - timedelta(days=2), public=True)
    _a_dialogue(case, now)
    _a_question_for_the_nurse(reporters["sygeplejerske@auh.demo.uth.dk"], now)
    return count + 2


def _a_question_for_the_nurse(nurse, now: datetime) -> None:
    """The demo nurse's own report, with the risk manager's question waiting for her answer on
    *Mine indberetninger* (SPEC §18)."""
    received = now - timedelta(days=1, hours=6)
    data = parse_report({
        "occurred_at": (received - timedelta(hours=9)).isoformat(), "received_at": received.isoformat(),
        "event_org": "AUH-MED-M1", "reporting_org": "AUH-MED-M1",
        "title": "Insulin ikke ordineret efter overflytning fra akutmodtagelsen",
        "description": "Patienten kom fra akutmodtagelsen om natten. Insulin stod i journalen, men var ikke "
                       "ordineret i medicinmodulet, og morgendosis blev ikke givet.",
        "event_type": "medicinering.administration.ikke_givet", "actual_consequence": "minor",
        "possible_consequence": "serious_or_fatal",
    }, public=False, reporter=nurse, now=now, allow_received_at=True)
    case, _ = submit_report(nurse, data, now=received)
    handlers = risk_managers_of(case.handling_org_id)
    if handlers:
        perform(handlers[0], case, "acknowledge", {}, now=now - timedelta(hours=6))
        perform(handlers[0], case, "message_reporter", {
            "text": "Tak for indberetningen. Blev patientens blodsukker målt, før fejlen blev opdaget?"},
            now=now - timedelta(hours=5))


def _a_dialogue(case, now: datetime) -> None:
    """The risk manager asks the relative a question, and the relative answers (SPEC §19)."""
    handlers = risk_managers_of(case.handling_org_id)
    if not handlers:
        return
    perform(handlers[0], case, "message_reporter", {
        "text": "Tak for din indberetning. Ved du, om personalet i akutmodtagelsen vidste, at din mor havde ondt?"},
        now=now - timedelta(days=1, hours=4))
    reporter_writes(None, case, {"text": "Ja, vi sagde det flere gange til sygeplejersken ved skranken, "
                                         "første gang da vi kom ved 14-tiden."}, now=now - timedelta(days=1))
