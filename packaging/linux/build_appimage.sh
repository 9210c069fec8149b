#!/usr/bin/env bash
# Builds the AppDir and its squashfs image from the frozen build (build/dist/workstation), then the
# AppImage when the runtime binary is given in APPIMAGE_RUNTIME (verified against the pinned SHA-256).
# FROZEN_BUILD and PACKAGE_OUTPUT override where the frozen build is read and the results written.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(.venv/bin/python -c "import workstation; print(workstation.__version__)")
frozen=${FROZEN_BUILD:-build/dist/workstation}
output=${PACKAGE_OUTPUT:-build}
appdir=$output/Workstation.AppDir
squashfs=$output/Workstation-$version-x86_64.squashfs
appimage=$output/Workstation-$version-x86_64.AppImage

[ -x "$frozen/workstation" ] || { echo "package: no frozen build in $frozen (run make package)" >&2; exit 1; }
mkdir -p "$output"

rm -rf "$appdir"
mkdir -p "$appdir/usr/lib" "$appdir/usr/share/applications" "$appdir/usr/share/metainfo" \
         "$appdir/usr/share/icons/hicolor/256x256/apps" "$appdir/usr/share/icons/hicolor/scalable/apps"
cp -a "$frozen" "$appdir/usr/lib/workstation"
cp packaging/linux/AppRun "$appdir/AppRun"
cp packaging/linux/workstation.desktop "$appdir/workstation.desktop"
cp packaging/linux/workstation.desktop "$appdir/usr/share/applications/"
cp resources/icons/workstation.png "$appdir/workstation.png"
cp resources/icons/workstation.png "$appdir/.DirIcon"
cp resources/icons/workstation.png "$appdir/usr/share/icons/hicolor/256x256/apps/"
cp resources/icons/workstation.svg "$appdir/usr/share/icons/hicolor/scalable/apps/"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -u +%F)/" packaging/linux/org.example.Workstation.metainfo.xml \
    > "$appdir/usr/share/metainfo/org.example.Workstation.metainfo.xml"

rm -f "$squashfs"
mksquashfs "$appdir" "$squashfs" -root-owned -noappend -no-progress -comp zstd -quiet
echo "package: AppDir $appdir and squashfs image $squashfs ready"

if [ -z "${APPIMAGE_RUNTIME:-}" ]; then
  echo "package: AppImage not built: set APPIMAGE_RUNTIME to the AppImage type2-runtime binary"
  echo "         (runtime-x86_64, SHA-256 $(cut -d' ' -f1 packaging/linux/appimage-runtime.sha256)); it is not in"
  echo "         any package registry reachable here. Then: cat runtime image > AppImage is all that is left."
  exit 0
fi
expected=$(cut -d' ' -f1 packaging/linux/appimage-runtime.sha256)
actual=$(sha256sum "$APPIMAGE_RUNTIME" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
  echo "package: $APPIMAGE_RUNTIME has SHA-256 $actual, expected $expected: refusing to build the AppImage" >&2
  exit 1
fi
cat "$APPIMAGE_RUNTIME" "$squashfs" > "$appimage"
chmod +x "$appimage"
echo "package: AppImage $appimage ready"
