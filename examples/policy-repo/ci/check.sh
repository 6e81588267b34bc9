#!/usr/bin/env bash
# The policy repository's CI: every policy must validate, and every policy
# that changed against the target branch gets a per-resource diff for the
# reviewers. Runs with the Linux build of enforcer (no Windows needed).
#
#   ci/check.sh [BASE]    BASE defaults to origin/main
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-origin/main}
enforcer=${ENFORCER:-enforcer}

echo "== validate"
"$enforcer" validate policies/*.yaml

echo "== what changes for the servers (against $base)"
status=0
for policy in $(git diff --name-only "$base"...HEAD -- 'policies/*.yaml'); do
    if ! git cat-file -e "$base:$policy" 2>/dev/null; then
        echo "-- $policy is new"
        continue
    fi
    if [[ ! -f $policy ]]; then
        echo "-- $policy is removed"
        continue
    fi
    echo "-- $policy"
    # Exit 2 means "there are differences", which is what a change is.
    "$enforcer" policy diff "$base" HEAD --repo . "$policy" || status=$?
    if ((status != 0 && status != 2)); then
        exit "$status"
    fi
done
echo "== ok"
