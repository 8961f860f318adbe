#!/usr/bin/env bash
# Fetch monitoring exports into a folder for `govcat ingest`.
#
#   fetch-exports.sh DEST
#
# The location comes from GOVCAT_EXPORTS_URI (a repository variable in GitHub Actions,
# a CI/CD variable in GitLab). Supported forms — replace the placeholders with yours:
#
#   s3://BUCKET/PREFIX/            object store (AWS CLI; credentials from the job, e.g. OIDC)
#   gs://BUCKET/PREFIX/            object store (gcloud CLI; credentials from the job)
#   https://HOST/PATH/export.csv   one file over HTTPS (optional bearer token in
#                                  GOVCAT_EXPORTS_TOKEN)
#   artifact:WORKFLOW_FILE/NAME    artifact NAME of the latest successful run of
#                                  WORKFLOW_FILE in this repository (GitHub only: needs
#                                  the gh CLI, GH_TOKEN and `actions: read`)
#   file:PATH or a plain PATH      a folder or file on the runner (tests, self-hosted)
#
# Unset or empty: nothing is fetched and the script says so (exit 0). Prints the
# number of files fetched; `govcat ingest` is idempotent, so fetching an export that
# was already ingested changes nothing.
set -euo pipefail

dest=${1:?usage: fetch-exports.sh DEST}
uri=${GOVCAT_EXPORTS_URI:-}
mkdir -p "$dest"

notice() {
  if [ -n "${GITHUB_ACTIONS:-}" ]; then echo "::notice title=monitoring exports::$1"; else echo "$1"; fi
}

case "$uri" in
  "")
    notice "GOVCAT_EXPORTS_URI is not set: no monitoring exports fetched"
    exit 0
    ;;
  s3://*)
    aws s3 cp --recursive --only-show-errors "$uri" "$dest/"
    ;;
  gs://*)
    gcloud storage cp --recursive "${uri%/}/*" "$dest/"
    ;;
  https://*)
    name=$(basename "${uri%%\?*}")
    auth=()
    if [ -n "${GOVCAT_EXPORTS_TOKEN:-}" ]; then
      auth=(--header "Authorization: Bearer $GOVCAT_EXPORTS_TOKEN")
    fi
    curl --fail --silent --show-error --location --proto '=https' "${auth[@]}" \
      --output "$dest/$name" "$uri"
    ;;
  artifact:*)
    spec=${uri#artifact:}
    workflow=${spec%%/*}
    artifact=${spec#*/}
    if [ -z "$workflow" ] || [ -z "$artifact" ] || [ "$workflow" = "$spec" ]; then
      echo "GOVCAT_EXPORTS_URI: expected artifact:WORKFLOW_FILE/NAME, got '$uri'" >&2
      exit 2
    fi
    run_id=$(gh run list --workflow "$workflow" --status success --limit 1 \
      --json databaseId --jq '.[0].databaseId // empty')
    if [ -z "$run_id" ]; then
      notice "no successful run of $workflow: no monitoring exports fetched"
      exit 0
    fi
    gh run download "$run_id" --name "$artifact" --dir "$dest"
    ;;
  *://*)
    echo "GOVCAT_EXPORTS_URI: unsupported scheme in '$uri' (s3, gs, https, artifact, file)" >&2
    exit 2
    ;;
  *)
    path=${uri#file:}
    if [ -d "$path" ]; then
      cp -R "$path"/. "$dest/"
    elif [ -f "$path" ]; then
      cp "$path" "$dest/"
    else
      echo "GOVCAT_EXPORTS_URI: '$path' does not exist" >&2
      exit 2
    fi
    ;;
esac

count=$(find "$dest" -type f | wc -l)
notice "fetched $count monitoring export file(s) from ${uri%%\?*}"
