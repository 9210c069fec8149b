#!/usr/bin/env bash
# Builds the MSI with wixl (Debian msitools) from workstation.wxs and a folder of files to install.
# On Linux this validates the installer; the real Windows MSI comes from .github/workflows/windows-msi.yml.
# Usage: build_msi.sh PAYLOAD_DIR OUTPUT.msi
set -euo pipefail
cd "$(dirname "$0")/../.."
payload=$1
output=$2
version=$(.venv/bin/python -c "import workstation; print(workstation.__version__)")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# wixl-heat puts top-level files in a directory named "."; unwrap it so they land in INSTALLDIR itself.
(cd "$payload" && find . -type f | sort) \
  | wixl-heat --prefix "./" --directory-ref INSTALLDIR --component-group FrozenFiles \
              --var var.PayloadDir --win64 \
  | python3 -c 'import re, sys; print(re.sub(r"<Directory Id=\"[^\"]+\" Name=\"\.\">(.*?)</Directory>", r"\1", sys.stdin.read(), count=1, flags=re.S))' \
  > "$work/files.wxs"
# wixl ignores the Secure/Platform attributes that WiX on Windows needs; its warnings about them are noise.
# wixl resolves file sources relative to the current folder, so pass the payload relative to it.
payload=$(realpath --relative-to=. "$payload")
wixl --arch x64 -D Win64=yes -D Version="$version" -D PayloadDir="$payload" -D IconFile=resources/icons/workstation.ico \
     -o "$output" packaging/windows/workstation.wxs "$work/files.wxs" \
     2> >(grep -v -e "has no property named 'Secure'" -e "has no property named 'Platform'" -e '^$' >&2)
echo "package: MSI $output ready"
