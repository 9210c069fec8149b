#!/usr/bin/env bash
# `make package`: the frozen one-folder build, the AppDir + squashfs (+ AppImage when APPIMAGE_RUNTIME is
# given) and an MSI built with wixl from the same WiX source the Windows build uses.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(.venv/bin/python -c "import workstation; print(workstation.__version__)")

.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/pyinstaller \
  packaging/pyinstaller/workstation.spec
echo "package: frozen build build/dist/workstation ($(du -sh build/dist/workstation | cut -f1))"

bash packaging/linux/build_appimage.sh

# On Linux the MSI carries the Linux frozen build: it validates the installer's tables, nothing more.
bash packaging/windows/build_msi.sh build/dist/workstation "build/Workstation-$version-linux-payload.msi"
