#!/usr/bin/env python3
"""Mark one symbol-version requirement of an ELF64 shared library as weak (VER_FLG_WEAK), in place.

Why: TorchSharp 0.107.0's runtimes/linux-x64/native/libLibTorchSharp.so requires GLIBCXX_3.4.32 (GCC 13), which
Debian 12's libstdc++ lacks (it stops at GLIBCXX_3.4.30). The only symbol bound to that version is the marker
std::ios_base_library_init, which the library never calls. With VER_FLG_WEAK set on that one Vernaux entry, glibc's
loader tolerates the missing version and the library loads. See /work/shared/notes/torchsharp-on-debian12.md.

What it touches: only the 2-byte vna_flags field of the single Vernaux entry whose vna_name (looked up in the
string table named by the SHT_GNU_verneed section's sh_link, i.e. .dynstr) equals the requested version. Nothing
else in the file changes. Running it again changes nothing (idempotent).

Safety: it refuses any file under a NuGet package folder (~/.nuget/packages, $NUGET_PACKAGES, /opt/nuget/packages),
and if the file is a symbolic link or has other hard links it first replaces it with a private copy, so a shared
original (the NuGet cache) is never modified.

Usage: weaken_verneed.py FILE [VERSION]     (VERSION defaults to GLIBCXX_3.4.32)
Exit codes: 0 patched, already weak, or no such requirement (nothing to do); 1 error.
"""

import os
import shutil
import struct
import sys
import tempfile

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2
DEFAULT_VERSION = "GLIBCXX_3.4.32"


def fail(message):
    print(f"weaken_verneed: error: {message}", file=sys.stderr)
    sys.exit(1)


def nuget_roots():
    roots = [os.path.expanduser("~/.nuget/packages"), "/opt/nuget/packages"]
    if os.environ.get("NUGET_PACKAGES"):
        roots.append(os.environ["NUGET_PACKAGES"])
    return [os.path.realpath(r) for r in roots]


def refuse_nuget_cache(path):
    real = os.path.realpath(path)
    for root in nuget_roots():
        if real == root or real.startswith(root + os.sep):
            fail(f"{path} resolves to {real}, inside the NuGet package folder {root}; patch only a copy")


def make_private(path):
    """Replaces a symbolic link or a multiply hard-linked file by a private copy, so only this copy changes."""
    if os.path.islink(path) or os.stat(path).st_nlink > 1:
        directory = os.path.dirname(os.path.abspath(path))
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".weaken_verneed.")
        os.close(fd)
        shutil.copy2(os.path.realpath(path), temp)
        os.replace(temp, path)
        print(f"weaken_verneed: {path} was shared (link); replaced it with a private copy before patching")


def c_string(data, offset):
    end = data.index(b"\0", offset)
    return data[offset:end].decode("ascii", errors="replace")


def find_vernaux(data, version):
    """Returns (file offset of vna_flags, vna_flags, needed library) for every Vernaux entry named `version`."""
    if data[:4] != b"\x7fELF":
        fail("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        fail("only ELF64 little-endian files are supported")
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    if e_shoff == 0 or e_shnum == 0 or e_shentsize != 64:
        fail("no section header table")

    sections = []
    for i in range(e_shnum):
        # Elf64_Shdr: sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize
        sections.append(struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize))

    matches = []
    for section in sections:
        sh_type, sh_offset, sh_link, sh_info = section[1], section[4], section[6], section[7]
        if sh_type != SHT_GNU_VERNEED:
            continue
        strtab_offset = sections[sh_link][4]
        verneed = sh_offset
        for _ in range(sh_info):  # sh_info = number of Verneed entries
            # Elf64_Verneed: vn_version, vn_cnt, vn_file, vn_aux, vn_next
            _, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, verneed)
            library = c_string(data, strtab_offset + vn_file)
            vernaux = verneed + vn_aux
            for _ in range(vn_cnt):
                # Elf64_Vernaux: vna_hash, vna_flags, vna_other, vna_name, vna_next
                _, vna_flags, _, vna_name, vna_next = struct.unpack_from("<IHHII", data, vernaux)
                if c_string(data, strtab_offset + vna_name) == version:
                    matches.append((vernaux + 4, vna_flags, library))
                if vna_next == 0:
                    break
                vernaux += vna_next
            if vn_next == 0:
                break
            verneed += vn_next
    return matches


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 1
    path = argv[1]
    version = argv[2] if len(argv) == 3 else DEFAULT_VERSION
    if not os.path.isfile(path):
        fail(f"{path} does not exist")
    refuse_nuget_cache(path)

    with open(path, "rb") as f:
        data = f.read()
    matches = find_vernaux(data, version)
    if not matches:
        print(f"weaken_verneed: {path} does not require {version}; nothing to do")
        return 0
    if len(matches) > 1:
        fail(f"{path} has {len(matches)} Vernaux entries named {version}; expected one")

    flags_offset, flags, library = matches[0]
    if flags & VER_FLG_WEAK:
        print(f"weaken_verneed: {path}: {library} {version} is already weak; unchanged")
        return 0

    make_private(path)
    with open(path, "r+b") as f:
        f.seek(flags_offset)
        f.write(struct.pack("<H", flags | VER_FLG_WEAK))
    print(f"weaken_verneed: {path}: marked {library} {version} weak (vna_flags 0x{flags:x} -> 0x{flags | VER_FLG_WEAK:x})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
