"""Preflight checks on a message's bytes: what a subscriber would get is what is checked.

``check_message(raw, subject, preheader, report)`` runs on any built message; the
campaign-level entry points (``app.services.campaigns.preflight``) build the real message for
a sample recipient and call it. Messages are for the officer, in the ``language`` the caller
passes (the request's; French, the msgids' own, by default).
"""
from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email import policy

import lxml.html

from app.message.language import FRENCH, Language

MAX_HTML = 90 * 1024
MAX_STYLE = 16 * 1024
SUBJECT_MAX = 78
SUBJECT_WARN = 60
PREHEADER_MAX = 110
LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\[\[|\]\]|LTRNx|<mj-|\*\|")


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    html_size: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _own_dev_link(href: str, own_base_url: str, development: bool) -> bool:
    """Lettrine's own links on a development server (http BASE_URL outside production).

    They follow BASE_URL, which production refuses unless it is https, so in
    development they are reported once as a warning instead of blocking every send.
    """
    return development and bool(own_base_url) and not own_base_url.startswith("https://") \
        and href.startswith(own_base_url + "/")


def check_message(raw: bytes, subject: str, preheader: str, report: Report, campaign_mail: bool = True, *,
                  own_base_url: str = "", development: bool = False, language: Language = FRENCH) -> Report:
    """The checks themselves, on raw message bytes (usable on any rendered message).

    ``own_base_url`` and ``development``: on a development server Lettrine's own http
    links are one warning instead of an error each. ``language``: the report's.
    """
    _ = language.gettext

    def _dev_own_link(href: str) -> bool:
        return _own_dev_link(href, own_base_url, development)

    msg = email.message_from_bytes(raw, policy=policy.default)
    for part in msg.walk():
        if part.defects:
            report.errors.append(_("Le message est mal formé : %(defects)s", defects=part.defects))
            break
    html_part = msg.get_body(("html",))
    text_part = msg.get_body(("plain",))
    html = html_part.get_content() if html_part else ""
    text = text_part.get_content() if text_part else ""
    if not html:
        report.errors.append(_("Le message n'a pas de partie HTML."))
    if not text.strip():
        report.errors.append(_("Le message n'a pas de partie texte."))

    report.html_size = len(html.encode("utf-8"))
    if report.html_size > MAX_HTML:
        report.errors.append(_("Le HTML pèse %(size)d Ko : au-delà de 90 Ko, Gmail coupe le message et cache le "
                               "pied de page.", size=report.html_size // 1024))
    style = sum(len(s.encode()) for s in re.findall(r"<style\b[^>]*>(.*?)</style>", html, flags=re.S | re.I))
    if style > MAX_STYLE:
        report.warnings.append(_("Les styles <style> pèsent %(size)d Ko (16 Ko au plus conseillés).",
                                 size=style // 1024))

    dev_links = False
    if html:
        doc = lxml.html.fromstring(html)
        if doc.get("lang") != "fr":
            report.errors.append(_("La langue du message n'est pas déclarée (lang=\"fr\" attendu)."))
        missing_alt = [img.get("src", "?") for img in doc.xpath("//img") if img.get("alt") is None]
        for src in missing_alt:
            report.errors.append(_("Image sans texte alternatif (alt) : %(src)s", src=src))
        for a in doc.xpath("//a[@href]"):
            href = a.get("href", "").strip()
            if _dev_own_link(href):
                dev_links = True
                continue
            if not re.match(r"(https://|mailto:|tel:)", href):
                report.errors.append(_("Lien non sécurisé ou relatif (https attendu) : %(href)s", href=href))
        for img in doc.xpath("//img[@src]"):
            if not img.get("src", "").startswith("https://"):
                report.errors.append(_("Image non servie en https : %(src)s", src=img.get("src")))
        if len(doc.xpath("//h1")) != 1:
            report.warnings.append(_("Le message devrait avoir un et un seul titre principal (h1)."))
        if campaign_mail and "/u/" not in html:
            report.errors.append(_("Le lien de désinscription manque dans le message."))

    if campaign_mail:
        if not msg.get("List-Unsubscribe") or not msg.get("List-Unsubscribe-Post"):
            report.errors.append(_("L'en-tête List-Unsubscribe (désinscription en un clic) manque."))
        elif "<https://" not in str(msg.get("List-Unsubscribe")) and not _dev_own_link(
                str(msg.get("List-Unsubscribe")).strip("<> ").split(">")[0]):
            report.errors.append(_("Le lien de désinscription de l'en-tête List-Unsubscribe doit être en https."))
        if "/u/" not in text:
            report.errors.append(_("Le lien de désinscription manque dans la partie texte."))
    if dev_links:
        report.warnings.append(_("Serveur de développement : les liens de Lettrine sont en http (BASE_URL). "
                                 "En production, BASE_URL doit être en https."))

    for where, body in (("HTML", html), (_("texte"), text)):
        found = LEFTOVER.search(body)
        if found:
            report.errors.append(_("Syntaxe de gabarit restée dans la partie %(part)s : « %(found)s »",
                                   part=where, found=found.group(0)))
    if re.search(r"<[a-zA-Z/][^>]*>", text):
        report.warnings.append(_("La partie texte contient des balises HTML."))

    if len(subject) > SUBJECT_MAX:
        report.errors.append(_("L'objet est trop long (%(n)d caractères, 78 au plus).", n=len(subject)))
    elif len(subject) > SUBJECT_WARN:
        report.warnings.append(_("L'objet est long (%(n)d caractères) : les téléphones n'en montrent qu'une "
                                 "soixantaine.", n=len(subject)))
    if not preheader.strip():
        report.warnings.append(_("Pas de texte d'aperçu (preheader) : la boîte de réception montrera le début "
                                 "du message."))
    elif len(preheader) > PREHEADER_MAX:
        report.warnings.append(_("Le texte d'aperçu est long (%(n)d caractères, 110 au plus conseillés).",
                                 n=len(preheader)))
    return report
