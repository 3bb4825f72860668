"""The seed as data: CRPVE's cycle "Comment faire vivre un contrat de ville" and its announcement.

Loaded by ``flask demo load`` (and ``make run``) after the demo's people. Idempotent:
found by slug and refreshed, never duplicated. Every
sentence of tests/fixtures/crpve-cycle-contrat-de-ville-2016.txt lives in these
fields (the test renders the announcement and checks each one).
"""
from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import select

from app import links
from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, Journee, MailingList
from app.services.events import save_cycle
from app.timeutil import local_to_utc

CYCLE_SLUG = "contrat-de-ville-2016"
CAMPAIGN_SLUG = "annonce-contrat-de-ville-2016"
WEBSITE = "https://www.crpve91.fr"

CYCLE = {
    "kicker": "Cycle de qualification",
    "title": "Comment faire vivre un contrat de ville :",
    "subtitle": "des principes à la mise en œuvre",
    "period": "Mars 2016 – Juin 2016",
    "introduction": (
        "La mise en œuvre des nouveaux contrats de ville recèle des enjeux importants pour les équipes - projet :\n\n"
        "- portage intercommunal renforcé dans un contexte de recomposition des EPCI franciliens;\n"
        "- recherche d’une intégration plus forte des ingénieries des volets social, urbain, économique; "
        "mobilisation du droit commun;\n"
        "- renforcement de la participation citoyenne.\n"
    ),
    "stakes": (
        "Des modes de travail renouvelés sont à créer au sein des équipes projet, avec les services des "
        "collectivités et les référents « de droit commun » au sens large. L’objectif est de rendre lisible et de "
        "donner sens à une action publique qui peut apparaître foisonnante et complexe pour les acteurs impliqués "
        "dans les contrats de ville."
    ),
    "objectives": (
        "- Renforcer les capacités d’animation des chefs de projet pour éviter la seule gestion de dispositifs;\n"
        "- Inciter à une animation des contrats de ville de manière plus intégrée;\n"
        "- Apporter une aide méthodologique en matière de renouvellement des modes de pilotage et de conduite "
        "opérationnelle des contrats de ville.\n"
    ),
    "audience": "Chefs de projet et coordinateurs-trices concerné-e-s par l’animation des contrats de ville",
    "format": (
        "- Apports théoriques et de contexte;\n"
        "- Ateliers s’appuyant sur la description et l’analyse de l’existant, la définition de marges de progrès "
        "et les stratégies d’action à déployer;\n"
        "- Temps d’échanges de pratiques et de points de vue, retour sur expériences, débats.\n"
    ),
    "speakers": (
        "### Intervenante\n\n"
        "**FORS-Recherche sociale**: Anne SAUVAYRE, responsable d’études\n\n"
        "FORS-Recherche sociale est un bureau d’études indépendant spécialisé dans l’évaluation des politiques "
        "publiques. Se situant à l’articulation des transformations sociales et de la mise en œuvre des politiques "
        "publiques, FORS-Recherche sociale développe une activité de conseil et de formation."
    ),
    "sponsor_note": (
        "Ce cycle, soutenu par la Direction Départementale de la Cohésion sociale de l’Essonne, se poursuivra au "
        "deuxième semestre 2016."
    ),
    "venue_name": "CRPVE",
    "venue_room": "Salle de conférence",
    "venue_address": "Maison départementale de l’habitat\nBoulevard de l’Ecoute-S’il-Pleut\n91000 EVRY",
    "contact_name": "Laura KOSSI",
    "contact_email": "chmission1@crpve91.fr",
    "contact_phone": "01 64 97 27 75",
    "registration_required": True,
    "registration_url": "",  # Lettrine's own form: links.registration_form_url(slug)
    "agenda_url": WEBSITE,
}

JOURNEES: list[dict[str, Any]] = [
    {
        "number": 1,
        "day": date(2016, 3, 10),
        "title": "Comment construire une démarche intégrée entre les équipes ?",
        "introduction": (
            "Quelle organisation des équipes aux différentes échelles (quartiers, Villes, EPCI) ?\n\n"
            "Pour les communes « opérateur de proximité », il s’agit de mettre en œuvre le contrat de ville dans le "
            "cadre de leurs compétences.\n\n"
            "La loi identifie des périmètres de compétences pour l’EPCI : diagnostic et définition des orientations, "
            "animation et coordination, mise en œuvre des actions relevant de ses compétences et de celles de portée "
            "intercommunale, suivi et gestion des programmes d'actions définis dans le contrat de ville.\n\n"
            "Des modèles différents d’ingénierie sont mis en place dans les collectivités qui ont à charge d’assurer "
            "l’articulation de ces compétences.\n\n"
            "Cette première journée portera sur les clés et les leviers d’une ingénierie intégrée qui permet de "
            "donner sens à l’action, au-delà de la gestion de dispositifs."
        ),
        "objectives": (
            "- Identifier les conditions de mise en place d’une équipe projet intégrée;\n"
            "- Travailler sur les conditions pour une véritable plus-value du portage intercommunal de la politique "
            "de la ville;\n"
            "- Apprécier l’adaptation des modalités de pilotage stratégique et technique à la menée du projet inscrit "
            "dans le contrat de ville.\n"
        ),
        "work_axes": (
            "- Présentation et analyse des formes d’organisation existantes dans les équipes projet;\n"
            "- Les relations avec les coordinateurs des dispositifs de la politique de la ville : PRU / PRE / ASV / "
            "GUP. Quelles sont les articulations du contrat de ville avec ces dispositifs ? Qui anime et fait le "
            "suivi des conventions annexées au contrat de ville ?\n"
            "- Echanges sur les atouts et les limites des modèles d’équipe projet, au regard de leurs capacités :\n"
            "  - à assurer la complémentarité des interventions et la lisibilité de l’action menée;\n"
            "  - à faire jouer la plus-value de l’échelle intercommunale : coordination, animation, suivi et "
            "évaluation, volet intercommunal du contrat de ville.\n"
            "- Identification des marges d’amélioration pour aller vers des équipes intégrées : les pistes "
            "opérationnelles, les outils à mobiliser ou créer.\n"
        ),
    },
    {
        "number": 2,
        "day": date(2016, 4, 7),
        "title": "La structuration des relations avec les acteurs du droit commun",
        "introduction": (
            "Toutes les politiques publiques ont à prendre en compte les objectifs des contrats de ville, afin de "
            "respecter l’objectif de mobilisation du droit commun en direction des QPV. Au regard du nombre important "
            "de partenaires impliqués dans la mise en œuvre des contrats de ville, l’organisation de relations "
            "dynamiques et porteuses de développement est un enjeu permanent pour les équipes.\n\n"
            "De son côté, l’Etat, qui reste co-pilote des contrats de ville, se mobilise sur un suivi technique et "
            "gestionnaire. Par ailleurs, les services de l’Etat, les agences et les institutions signataires mettent "
            "en place des dispositifs de « droit commun renforcé » en direction des QPV, mais sur lequel il n’est pas "
            "toujours facile de mettre en place un suivi coordonné.\n\n"
            "La réflexion portera avant tout sur les conditions à réunir pour structurer une bonne articulation avec "
            "les services des collectivités et de l’Etat."
        ),
        "objectives": (
            "- Aider à structurer un travail partenarial dans la durée avec les services des collectivités et avec "
            "les représentants de l’Etat, des agences et des institutions;\n"
            "- Appréhender le déploiement du « droit commun » et son rôle sur les territoires de la politique de la "
            "ville.\n"
        ),
        "work_axes": (
            "- Analyse des relations avec les services des communes et des agglomérations : identification des "
            "freins et leviers existants pour une bonne synergie des équipes politique de la ville et celles des "
            "services de droit commun;\n"
            "- Echanges sur les conditions d’une relation dynamique avec les services déconcentrés de l’Etat et les "
            "agences de l’Etat;\n"
            "- Le droit commun des collectivités et de l’Etat : comment appréhender son déploiement et s’y repérer "
            "de manière efficiente pour l’action ? De quelles priorités se doter et comment faire un suivi ?\n"
        ),
    },
    {
        "number": 3,
        "day": date(2016, 5, 26),
        "title": "L’organisation de la participation et de la co-construction avec les habitants",
        "introduction": (
            "La loi de programmation pour la ville et la cohésion urbaine inscrit la politique de la ville « dans une "
            "démarche de co-construction avec les habitants, associations et acteurs économiques, s’appuyant "
            "notamment sur les conseils citoyens et sur la co-formation ».\n\n"
            "Les nouveaux conseils citoyens sont dotés de deux principaux objectifs, celui d’associer davantage les "
            "habitants à la co-construction du contrat de ville; de favoriser l'émergence et la mise en œuvre des "
            "initiatives habitantes. Au-delà des seuls conseils citoyens, des pratiques participatives diverses se "
            "déploient sur les territoires, au sein des structures partenaires et institutions.\n\n"
            "La journée sera l’occasion de revenir sur les avancées et freins du déploiement local d’une culture "
            "participative qui fait l’objet de nombreuses annonces, et nécessite ambitions, moyens et objectifs "
            "opérationnels."
        ),
        "objectives": (
            "- Mener une réflexion sur les conditions concrètes d’un dialogue constructif avec les habitants;\n"
            "- Consolider ou structurer l’organisation de la relation et du travail avec les habitants;\n"
            "- Faire des conseils citoyens de réels espaces d’initiatives citoyennes et de co-construction.\n"
        ),
        "work_axes": (
            "- Retours d’expériences sur la mise en œuvre des conseils citoyens, leurs objectifs et leurs rôles "
            "actuels : les avancées notables, les freins à lever pour renforcer les capacités de co-construction, "
            "les questions qui se posent sur leurs rôles et fonctions;\n"
            "- Identification des pistes d’actions concrètes et des besoins des professionnels et des habitants en "
            "termes de moyens et compétences pour faire vivre les conseils citoyens;\n"
            "- Echanges et analyse sur la place de la participation dans la politique de la ville au-delà des "
            "conseils citoyens. Une culture partagée à construire ? Quels objectifs donnés à la programmation ?\n"
        ),
    },
    {
        "number": 4,
        "day": date(2016, 6, 23),
        "title": "Comment utiliser l’observation comme outil d’animation et de coordination ?",
        "introduction": (
            "L’efficacité et la pertinence de la politique de la ville sont régulièrement mises en cause, à l’échelle "
            "nationale mais aussi locale. Nombre de décideurs appréhendent peu la plus-value d’une politique "
            "transversale multi-thématique, avec des moyens propres modestes au regard de son objectif ambitieux de "
            "réduction des inégalités sociales et territoriales.\n\n"
            "La faiblesse des outils de suivi de la programmation et des outils d’observation des quartiers participe "
            "de fait largement à ce manque de lisibilité.\n\n"
            "L’élaboration des contrats de ville a souvent été l’occasion de revoir les outils de suivi et "
            "d’observation, d’autant que le pilotage par les EPCI favorise une mutualisation de moyens pour renforcer "
            "l’ingénierie sur ce point.\n\n"
            "Mais le suivi et l’observation ne sont pas des fins en soi, et gagnent de la légitimité dès lors qu’ils "
            "peuvent être les supports d’une réflexion collective et une aide à la décision.\n\n"
            "La journée sera l’occasion d’appréhender la plus-value de la démarche d’observation et de poser les "
            "bases d’une stratégie dynamique"
        ),
        "objectives": (
            "- Faire de l’observation et du suivi du contrat des outils de compréhension et d’animation des enjeux "
            "des quartiers et de l’action menée;\n"
            "- Améliorer la communication sur les QPV et sur la politique de la ville menée à l’échelle locale.\n"
        ),
        "work_axes": (
            "- Présentation des modalités d’observation et de suivi mises en place dans les contrats de ville, de "
            "l’articulation recherchée entre champs thématiques et dispositifs;\n"
            "- Apports d’expérience d’observatoires franciliens de la politique de la ville;\n"
            "- Analyse de leur capacité à donner une visibilité à l’action menée et à ses résultats;\n"
            "- Identification des conditions à réunir pour faire de l’observation et du suivi de la programmation "
            "annuelle des outils d’animation et de mobilisation des acteurs;\n"
            "- Définition de stratégies d’observation à promouvoir : quels objectifs rechercher, quelles cibles "
            "choisir ? Quelles méthodes, quels outils ?\n"
        ),
    },
]

CAMPAIGN = {
    "name": "Annonce : cycle « Comment faire vivre un contrat de ville » (2016)",
    "subject": "Cycle de qualification : faire vivre un contrat de ville",
    "preheader": "4 journées au CRPVE, de mars à juin 2016 : inscription obligatoire.",
}


def _assign(obj, key: str, value) -> bool:
    if getattr(obj, key) == value:
        return False
    setattr(obj, key, value)
    return True


def load_cycle() -> tuple[Cycle, bool]:
    """Create or refresh the seed cycle and its four journées (10:00–17:00 Europe/Paris, stored UTC).

    Returns the cycle and whether anything changed (the announcement's version must then move on,
    since compiled messages are cached per campaign version).
    """
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == CYCLE_SLUG))
    changed = cycle is None
    if cycle is None:
        cycle = Cycle(slug=CYCLE_SLUG, title=CYCLE["title"])
        db.session.add(cycle)
    for key, value in CYCLE.items():
        changed |= _assign(cycle, key, value)
    db.session.flush()
    existing = {j.number: j for j in cycle.journees}
    for data in JOURNEES:
        journee = existing.get(data["number"])
        if journee is None:
            journee = Journee(number=data["number"])
            cycle.journees.append(journee)
            changed = True
        day = data["day"]
        assert isinstance(day, date)
        starts, ends = local_to_utc(day, time(10, 0)), local_to_utc(day, time(17, 0))
        if journee.starts_at != starts or journee.ends_at != ends:
            journee.starts_at, journee.ends_at = starts, ends
            journee.sequence = (journee.sequence or 0) + (1 if journee.id else 0)  # RFC 5545: the event moved
            changed = True
        for key in ("title", "introduction", "objectives", "work_axes"):
            changed |= _assign(journee, key, data[key])
    db.session.flush()
    return cycle, changed


def load_announcement(cycle: Cycle, cycle_changed: bool = False) -> Campaign:
    """The announcement campaign for the list ``formations`` (a draft; left alone once sent)."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == CAMPAIGN_SLUG))
    formations = db.session.scalar(select(MailingList).where(MailingList.slug == "formations"))
    if campaign is None:
        campaign = Campaign(slug=CAMPAIGN_SLUG, template=CampaignTemplate.CYCLE_ANNOUNCEMENT, **CAMPAIGN)
        db.session.add(campaign)
    elif campaign.status == CampaignStatus.DRAFT:
        for key, value in CAMPAIGN.items():
            setattr(campaign, key, value)
    campaign.template = CampaignTemplate.CYCLE_ANNOUNCEMENT
    campaign.cycle_id = cycle.id
    if formations is not None and formations not in campaign.lists:
        campaign.lists.append(formations)
    db.session.flush()
    return campaign


def load() -> None:
    """The seed cycle, its announcement, and its reminders (through save_cycle, like any edit); commits."""
    cycle, changed = load_cycle()
    load_announcement(cycle, changed)
    if changed:
        save_cycle(cycle)
    else:
        db.session.commit()


def registration_url() -> str:
    return links.registration_form_url(CYCLE_SLUG)
