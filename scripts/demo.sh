#!/usr/bin/env bash
# The main job: set up, import the Kent reference scenarios into a fresh embedded SQLite
# store, render their charts into diagrams/ and write the consultation packs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${ORGSIM_DEMO_NO_SETUP:-}" ]; then bash scripts/setup.sh; fi
export ORGSIM_STORE="${ORGSIM_STORE:-out/kent.sqlite}"
mkdir -p out diagrams
rm -f "$ORGSIM_STORE"
orgsim() { ${ORGSIM_CMD:-.venv/bin/orgsim} "$@"; }

# The baseline and its people data (illustrative figures for the redundancy cost); the
# October 2013 proposal and the December 2013 decision (two branches of the baseline); the
# market review on top of the decision, with the joint venture as its own option; the
# phased 0-25 children's services programme (2015-16); an alternative option.
for script in kcc-2013-baseline kcc-2013-people-data kcc-2013-proposal kcc-2014-top-tier \
              kcc-2015-market-review kcc-2015-option-jv kcc-2015-children-0-25 \
              kcc-2014-option-three-directorates; do
  orgsim run "scenarios/$script.yaml"
done
orgsim branches
orgsim audit --branch top-tier-2014 >/dev/null && echo "audit: every slotting decision on top-tier-2014 is compliant"
orgsim compare top-tier-2014 option-three-directorates --at 2014-04-01

# What changed as a result of consultation (KCC paper 001, 8.3-8.5): the decision against the proposal.
orgsim diff --branch top-tier-2014 --against proposal-2013-10 --at 2014-04-01 --json > out/kcc-2014-changes-since-proposal.json
# (units and posts only: the human diff's people table names people, and a demo prints no names)
orgsim diff --branch top-tier-2014 --against proposal-2013-10 --at 2014-04-01 | sed '/: people (/,$d'

orgsim chart --branch top-tier-2014 --at 2014-03-31 -o diagrams/kcc-2014-before.svg
orgsim chart --branch top-tier-2014 --at 2014-03-31 -o diagrams/kcc-2014-before.png
orgsim chart --branch top-tier-2014 --at 2014-04-01 -o diagrams/kcc-2014-after.svg
orgsim chart --branch top-tier-2014 --at 2014-04-01 -o diagrams/kcc-2014-after.png
orgsim chart --branch top-tier-2014 --at 2014-04-01 --since 2014-03-31 -o diagrams/kcc-2014-change.svg
orgsim chart --branch top-tier-2014 --at 2014-04-01 --since 2014-03-31 -o diagrams/kcc-2014-change.png
orgsim chart --branch top-tier-2014 --at 2014-04-01 --against proposal-2013-10 -o diagrams/kcc-2014-since-proposal.svg
orgsim chart --branch top-tier-2014 --at 2014-04-01 --against proposal-2013-10 -o diagrams/kcc-2014-since-proposal.png
orgsim chart --branch option-three-directorates --at 2014-04-01 -o diagrams/kcc-2014-option-three-directorates.svg
orgsim chart --branch market-review-2015 --at 2015-08-01 --since 2014-04-01 -o diagrams/kcc-2015-market-review-change.svg
# The phased 0-25 programme: the children's services on two roll-out dates, and one phase's changes.
for at in 2015-02-01 2016-02-01; do
  orgsim chart --branch children-0-25-2015 --at "$at" --root scph --level units -o "diagrams/kcc-2015-children-0-25-$at.png"
done
orgsim chart --branch children-0-25-2015 --at 2015-06-01 --since 2015-03-02 --root scph -o diagrams/kcc-2015-children-0-25-phase-east.svg

# Packs: the decision (with its equality summary), the October proposal as consulted on, and
# one phase of the 0-25 roll-out. When the pack can compare against another branch, the
# decision's pack carries "changes since the proposal".
if orgsim pack --help | grep -- '--against' >/dev/null; then
  orgsim pack --branch top-tier-2014 --against proposal-2013-10 -o out/kcc-2014-pack
else
  orgsim pack --branch top-tier-2014 -o out/kcc-2014-pack
fi
orgsim pack --branch proposal-2013-10 -o out/kcc-2013-proposal-pack --format html
orgsim pack --branch children-0-25-2015 --before 2015-05-31 --at 2015-06-01 -o out/kcc-2015-children-east-pack --format html
echo "demo: charts in diagrams/, packs in out/ (kcc-2014-pack, kcc-2013-proposal-pack, kcc-2015-children-east-pack), changes since the proposal in out/kcc-2014-changes-since-proposal.json, store in $ORGSIM_STORE"
