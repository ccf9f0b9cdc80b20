#!/usr/bin/env bash
# The main job: set up, import the Kent reference scenarios into a fresh embedded SQLite
# store, render their charts into diagrams/ and write the consultation pack.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ORGSIM_STORE="${ORGSIM_STORE:-out/kent.sqlite}"
mkdir -p out diagrams
rm -f "$ORGSIM_STORE"
orgsim() { .venv/bin/orgsim "$@"; }

for script in kcc-2013-baseline kcc-2013-people-data kcc-2014-top-tier kcc-2015-market-review kcc-2014-option-three-directorates; do
  orgsim run "scenarios/$script.yaml"
done
orgsim branches
orgsim audit --branch top-tier-2014 >/dev/null && echo "audit: every slotting decision on top-tier-2014 is compliant"
orgsim compare top-tier-2014 option-three-directorates --at 2014-04-01

orgsim chart --branch top-tier-2014 --at 2014-03-31 -o diagrams/kcc-2014-before.svg
orgsim chart --branch top-tier-2014 --at 2014-03-31 -o diagrams/kcc-2014-before.png
orgsim chart --branch top-tier-2014 --at 2014-04-01 -o diagrams/kcc-2014-after.svg
orgsim chart --branch top-tier-2014 --at 2014-04-01 -o diagrams/kcc-2014-after.png
orgsim chart --branch top-tier-2014 --at 2014-04-01 --since 2014-03-31 -o diagrams/kcc-2014-change.svg
orgsim chart --branch top-tier-2014 --at 2014-04-01 --since 2014-03-31 -o diagrams/kcc-2014-change.png
orgsim chart --branch option-three-directorates --at 2014-04-01 -o diagrams/kcc-2014-option-three-directorates.svg
orgsim chart --branch market-review-2015 --at 2015-08-01 --since 2014-04-01 -o diagrams/kcc-2015-market-review-change.svg
orgsim pack --branch top-tier-2014 -o out/kcc-2014-pack
echo "demo: charts in diagrams/, consultation pack in out/kcc-2014-pack/, store in $ORGSIM_STORE"
