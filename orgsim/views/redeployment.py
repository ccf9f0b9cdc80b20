"""Redeployment as documents: one wording and one JSON shape for an offer, a trial, a
bump and pay protection, used by ``diff``, the pack, ``audit`` and ``cost``.

The facts come from the read model (:class:`~orgsim.domain.records.PersonView`:
``offers``, ``redeployment``, ``pay_protection``); nothing here re-derives them. A
redeployment is not a slotting decision: the audit lists it in its own section with its
own verdict kind (``redeployed``, ``offered``, ``refused``), never judged by
the slotting rule — its rules (a vacant post, an offer before an acceptance, a trial
within ERA 1996 s138) are invariants refused when the event is written.
"""

from __future__ import annotations

from typing import Any

from orgsim.domain.redeployment import Interest, Offer, Protection, refusal_text
from orgsim.domain.structure import Structure

__all__ = [
    "BUMP_TEXT",
    "audit_people_terms",
    "audit_redeployments",
    "interest_json",
    "offer_json",
    "offer_text",
    "protection_json",
    "protection_text",
]

#: The pack's words for a bump (no names: the volunteer is never named by default).
BUMP_TEXT = "Bumped into the post vacated by a voluntary redundancy"


def offer_json(offer: Offer) -> dict[str, Any]:
    """An offer as JSON (an additive extension of the SPEC documents)."""
    return {
        "post": offer.post,
        "made": offer.made.isoformat(),
        "from_post": offer.from_post,
        "trial_start": offer.trial_start.isoformat(),
        "trial_end": offer.trial_end.isoformat(),
        "trial_extended": offer.extended,
        "bumps": offer.bumps,
        "state": offer.state,
        "accepted": offer.accepted.isoformat() if offer.accepted else None,
        "refused": offer.refused.isoformat() if offer.refused else None,
        "reasonable": offer.reasonable,
        "refused_in_trial": offer.in_trial,
    }


def offer_text(offer: Offer, post: str = "") -> str:
    """'Redeployed (suitable alternative employment, trial ends 2014-05-28)' and the
    like: what became of an offer, in one phrase without names; ``post`` (the post's
    words, when given) follows 'into'."""
    into = f" into {post}" if post else ""
    if offer.state == "refused":
        text = refusal_text(offer.reasonable, offer.in_trial)  # "refused suitable ... : ..."
        what, _, effect = text.partition(": ")
        what = what.replace("employment", f"employment{into}", 1)
        return f"{what[0].upper()}{what[1:]}: {effect}"
    trial = f"trial {offer.trial_start.isoformat()} to {offer.trial_end.isoformat()}"
    if offer.state == "open":
        return f"Offered suitable alternative employment{into} ({trial})"
    text = (
        "Redeployed (suitable alternative employment, trial ends "
        f"{offer.trial_end.isoformat()}){into}"
    )
    return f"{text}; {BUMP_TEXT[0].lower()}{BUMP_TEXT[1:]}" if offer.bumps else text


def interest_json(interest: Interest) -> dict[str, Any]:
    return {
        "outcome": interest.outcome,
        "expressed": interest.expressed.isoformat(),
        "answered": interest.answered.isoformat() if interest.answered else None,
    }


def protection_json(protection: Protection) -> dict[str, Any]:
    return {
        "from": protection.start.isoformat(),
        "until": protection.until.isoformat(),
        "months": protection.months,
    }


def protection_text(protection: Protection) -> str:
    return f"pay protected {protection.start.isoformat()} to {protection.until.isoformat()}" + (
        f" ({protection.months} months)" if protection.months else ""
    )


def audit_redeployments(structure: Structure) -> list[dict[str, Any]]:
    """Every offer on the branch with what became of it, as the audit's own section.

    Read from the read model at the branch's latest effective date (the audit's, see
    :func:`orgsim.views.audit.audit_with_structure`): each person's ``offers`` are the record. The verdict kind
    says what became of the offer, not whether a slotting rule was met."""
    rows = []
    for person in [*structure.people.values(), *structure.leavers.values()]:
        for offer in person.offers:
            verdict = {"accepted": "redeployed", "refused": "refused"}.get(offer.state, "offered")
            rows.append(
                {
                    "version": offer.version,
                    "person": person.id,
                    "kind": "redeployment",
                    "verdict": verdict,
                    "text": offer_text(offer),
                    **offer_json(offer),
                }
            )
    return sorted(rows, key=lambda r: r["version"])


def audit_people_terms(structure: Structure) -> dict[str, list[dict[str, Any]]]:
    """Expressions of interest in voluntary redundancy (with the employer's answer and
    whether the person then left by it) and pay protections, as the audit's sections
    ``voluntary_redundancy`` and ``pay_protection``: not slotting decisions, so never
    judged by the slotting rule (their rules are refused when the event is written).
    Read from the read model at the branch's latest effective date, like
    :func:`audit_redeployments`."""
    interests, protections = [], []
    for person in [*structure.people.values(), *structure.leavers.values()]:
        if person.vr_interest is not None:
            interest = person.vr_interest
            interests.append(
                {
                    "version": interest.version,
                    "person": person.id,
                    "kind": "voluntary redundancy",
                    "verdict": interest.outcome,
                    "left_by_it": person.left == "voluntary redundancy",
                    **interest_json(interest),
                }
            )
        if person.pay_protection is not None:
            protections.append(
                {
                    "version": person.pay_protection.version,
                    "person": person.id,
                    "kind": "pay protection",
                    "text": protection_text(person.pay_protection),
                    **protection_json(person.pay_protection),
                }
            )
    return {
        "voluntary_redundancy": sorted(interests, key=lambda r: r["version"]),
        "pay_protection": sorted(protections, key=lambda r: r["version"]),
    }
