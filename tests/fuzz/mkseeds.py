#!/usr/bin/env python3
"""tests/fuzz/mkseeds.py - write the hand-made seed inputs of every fuzz target
into tests/fuzz/<target>/corpus/ (docs/fuzzing.md). Deterministic: running it
again rewrites the same files. Seeds are valid inputs, so that the fuzzers start
from the paths a real boot takes; libFuzzer mutates them from there.

    tests/fuzz/mkseeds.py [TARGET...]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
seeds = {}


def seed(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    seeds.setdefault(target, []).append((name, data))


# ---- cmdline: the text ----
seed("cmdline", "typical", "/boot/chronovisor.elf tsc=percpu migrate=random:42 skew=0,+1000000,-250000 slice=64M cpus=2")
seed("cmdline", "all", "crash=none watchdog=0x100 break=none entry_check=always cpu_tables=mp apicv=off "
     "skew_error=5,-5 migrate=every-exit")
seed("cmdline", "types", "n=64M colour=green name=a=b flag x=yes big=0xFFFFFFFFFFFFFFFF")
seed("cmdline", "bad", "\x40/img n=0x colour=pink flag=maybe tsc=bogus")

# ---- skew: ncpus byte, errlen byte, spec ----
seed("skew", "list", b"\x03\x80" + b"0,+1000000,-250000")
seed("skew", "random", b"\x07\x80" + b"random:7:1000000")
seed("skew", "empty", b"\x00\x10")
seed("skew", "bad", b"\x01\x05" + b"1,2,3,4,x")


# ---- multiboot: mbi address, then memory from 0 ----
def multiboot():
    mem = bytearray(0x10000)
    mbi = 0x1000
    flags = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9)
    mmap = struct.pack("<IQQI", 20, 0, 0x9F000, 1) + struct.pack("<IQQI", 20, 0x9F000, 0x1000, 2)
    mem[0x1100:0x1100 + len(mmap)] = mmap
    cmd = b"/boot/chronovisor.elf tsc=none\0"
    mem[0x2000:0x2000 + len(cmd)] = cmd
    mods = struct.pack("<IIII", 0x8000, 0x9000, 0x2100, 0) + struct.pack("<IIII", 0x9000, 0x9800, 0, 0)
    mem[0x3000:0x3000 + len(mods)] = mods
    mem[0x2100:0x2110] = b"hello.elf x=1\0\0\0"
    mem[0x2200:0x2206] = b"GRUB \0"
    info = struct.pack("<IIIIIII16sII", flags, 639, 0x10000, 0, 0x2000, 2, 0x3000, b"\0" * 16,
                       len(mmap), 0x1100) + struct.pack("<IIIII", 0, 0, 0, 0x2200, 0)
    mem[mbi:mbi + len(info)] = info
    return struct.pack("<I", mbi) + bytes(mem[:0xA000])


seed("multiboot", "grub", multiboot())
seed("multiboot", "memonly", struct.pack("<I", 0x10) + b"\0" * 16 + struct.pack("<III", 1, 639, 1024) + b"\0" * 100)


# ---- elf: RAM-size byte, then the file ----
MB_MAGIC = 0x1BADB002


def mb_header(flags, extra=b""):
    return struct.pack("<III", MB_MAGIC, flags, (-(MB_MAGIC + flags)) & 0xFFFFFFFF) + extra


def elf32(entry=0x100000 + 0x80, paddr=0x100000):
    code = mb_header(3) + b"\xf4" * 16
    ehdr = struct.pack("<16sHHIIIIIHHHHHH", b"\x7fELF\x01\x01\x01" + b"\0" * 9, 2, 3, 1, entry,
                       52, 0, 0, 52, 32, 1, 40, 0, 0)
    phdr = struct.pack("<IIIIIIII", 1, 0x80, paddr, paddr, len(code), len(code) + 0x100, 7, 0x1000)
    f = bytearray(ehdr + phdr)
    f += b"\0" * (0x80 - len(f))
    return bytes(f + code)


def elf64(entry=0x10000C, paddr=0x100000):
    """Two segments: code (the Multiboot header first) and data with bss."""
    code = mb_header(3) + b"\x90" * 20
    data = b"\x11" * 16
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9, 2, 62, 1, entry,
                       64, 0, 0, 64, 56, 2, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0x100, paddr, paddr, len(code), len(code), 0x1000)
    phdr += struct.pack("<IIQQQQQQ", 1, 6, 0x120, paddr + 0x1000, paddr + 0x1000, len(data), 0x200, 0x1000)
    f = bytearray(ehdr + phdr)
    f += b"\0" * (0x100 - len(f))
    return bytes(f + code + data)


def aout():
    flags = 3 | (1 << 16)
    hdr = mb_header(flags, struct.pack("<IIIII", 0x100000, 0x100000, 0, 0x101000, 0x100020))
    return hdr + b"\xf4" * 64


seed("elf", "elf32", b"\x07" + elf32())
seed("elf", "elf64", b"\x07" + elf64())
seed("elf", "aout", b"\x07" + aout())

# ---- insn: mode byte (0: 16, 1: 32, 2: 64-bit), then bytes ----
for name, mode, b in [("mov_store32", 1, "8908"), ("mov_load64", 2, "488b0500000000"),
                      ("mov_imm32", 1, "c70500e0fefe78563412"), ("mov16", 0, "668907"),
                      ("movzx", 2, "0fb600"), ("movsx", 2, "480fbf4310"), ("mov_imm8", 2, "c6400801"),
                      ("rex_r", 2, "448b4020"), ("high8", 1, "8a2f"), ("sib", 2, "8b04c8")]:
    seed("insn", name, bytes([mode]) + bytes.fromhex(b))


# ---- pagewalk: ctl, CR3, PDPTE0-3, linear address, length, then RAM ----
def pagewalk(ctl, cr3, pdptes, gla, n, pages):
    ram = bytearray(0x5000)
    for off, entries in pages.items():
        for i, e in entries.items():
            size = 4 if ctl & 0x50 == 0 else 8
            ram[off + i * size: off + i * size + size] = e.to_bytes(size, "little")
    return (bytes([ctl]) + struct.pack("<Q", cr3) + b"".join(struct.pack("<Q", p) for p in pdptes) +
            struct.pack("<Q", gla) + bytes([n]) + bytes(ram))


seed("pagewalk", "4level_2m", pagewalk(8 | 16 | 64 | 3, 0x1000, [0] * 4, 0x1234, 16,
                                       {0x1000: {0: 0x2003}, 0x2000: {0: 0x3003}, 0x3000: {0: 0x83}}))
seed("pagewalk", "4level_4k", pagewalk(8 | 16 | 64 | 3, 0x1000, [0] * 4, 0x1FF8, 16,
                                       {0x1000: {0: 0x2003}, 0x2000: {0: 0x3003}, 0x3000: {0: 0x4003},
                                        0x4000: {1: 0x4003, 2: 0x1003}}))
seed("pagewalk", "pae", pagewalk(8 | 16 | 2, 0x0, [0x2001, 0, 0, 0], 0x1010, 8,
                                 {0x2000: {0: 0x3003}, 0x3000: {1: 0x4003}}))
seed("pagewalk", "32bit", pagewalk(8 | 1, 0x1000, [0] * 4, 0x1ffc, 8,
                                   {0x1000: {0: 0x2003}, 0x2000: {1: 0x3003, 2: 0x4003}}))
seed("pagewalk", "32bit_4m", pagewalk(8 | 4 | 1, 0x1000, [0] * 4, 0x10, 8, {0x1000: {0: 0x83}}))
seed("pagewalk", "flat", pagewalk(0, 0, [0] * 4, 0x100, 32, {}))


# ---- acpi: ctl, bsp, RSDP offset/16, 4 reserved; then memory at 4 GiB - len ----
def acpi(rev2=True, mp=True, s5_pkglen=b"\x0a", s5_body=None):
    size = 0x2000
    base = (1 << 32) - size
    mem = bytearray(size)

    def sdt(sig, body):
        h = struct.pack("<4sIBB6s8sIII", sig, 36 + len(body), 1, 0, b"BOCHS ", b"BXPC    ", 1, 0, 0)
        t = bytearray(h + body)
        t[9] = (-sum(t)) & 0xFF
        return bytes(t)

    def put(off, b):
        mem[off:off + len(b)] = b
        return base + off

    dsdt = sdt(b"DSDT", s5_body or (b"\x10\x08\\_SB_" + b"\x08_S5_\x12" + s5_pkglen + b"\x04\x0a\x05\x00\x00\x00"))
    dsdt_pa = put(0x1800, dsdt)
    fadt_body = bytearray(244 - 36)
    struct.pack_into("<I", fadt_body, 40 - 36, dsdt_pa)
    struct.pack_into("<I", fadt_body, 64 - 36, 0xB004)
    fadt_pa = put(0x1000, sdt(b"FACP", bytes(fadt_body)))
    madt = struct.pack("<II", 0xFEE00000, 1)
    madt += struct.pack("<BBBBI", 0, 8, 0, 0, 1) + struct.pack("<BBBBI", 0, 8, 1, 1, 1)
    madt += struct.pack("<BBHIII", 9, 16, 0, 300, 1, 2) + struct.pack("<BBBBI", 0, 8, 3, 0xFF, 1)
    madt += struct.pack("<BBBBII", 1, 12, 0, 0, 0xFEC00000, 0)   # I/O APIC, skipped
    madt_pa = put(0xC00, sdt(b"APIC", madt))
    rsdt_pa = put(0x800, sdt(b"RSDT", struct.pack("<II", fadt_pa, madt_pa)))
    xsdt_pa = put(0x900, sdt(b"XSDT", struct.pack("<QQ", fadt_pa, madt_pa)))
    r = bytearray(struct.pack("<8sB6sBIIQB3s", b"RSD PTR ", 0, b"BOCHS ", 2 if rev2 else 0, rsdt_pa,
                              36, xsdt_pa if rev2 else 0, 0, b"\0\0\0"))
    r[8] = (-sum(r[:20])) & 0xFF
    r[32] = (-sum(r)) & 0xFF
    put(0x400, bytes(r))
    if mp:
        cfg = bytearray(struct.pack("<4sHBB8s12sIHHI", b"PCMP", 0, 4, 0, b"BOCHSCPU", b"0.1         ",
                                    0, 0, 0, 0xFEE00000) + b"\0" * 4)
        ents = b"".join(struct.pack("<BBBBIII", 0, i, 0x14, 3 if i == 0 else 1, 0, 0, 0) for i in range(3))
        ents += struct.pack("<BB6s", 1, 0, b"ISA   ")
        cfg += ents
        struct.pack_into("<HH", cfg, 4, len(cfg), 0)
        struct.pack_into("<H", cfg, 34, 4)
        cfg[7] = (-sum(cfg)) & 0xFF
        cfg_pa = put(0x600, bytes(cfg))
        fp = bytearray(struct.pack("<4sIBBB5s", b"_MP_", cfg_pa, 1, 4, 0, b"\0" * 5))
        fp[10] = (-sum(fp)) & 0xFF
        put(0x0, bytes(fp))
    return struct.pack("<BBHI", 1, 0, 0x400 // 16, 0) + bytes(mem)


seed("acpi", "rev2_xsdt", acpi())
seed("acpi", "rev0_rsdt", acpi(rev2=False))
seed("acpi", "no_mp", acpi(mp=False))
seed("acpi", "pkglen2", acpi(s5_pkglen=b"\x40\x00"))


def acpi_crash(name, data):
    """A crash input kept as a regression file (tests/fuzz/<target>/crashes/)."""
    seeds.setdefault("acpi-crashes", []).append((name, data))


# issue 10: _S5_ ending the DSDT with a 4-byte PkgLength made find_s5 read one byte past the table
acpi_crash("s5-four-byte-pkglength-at-dsdt-end",
           acpi(s5_body=b"\x08_S5_\x12\xc0\x00\x00\x00\x02\x0a\x05\x0a"))


# ---- devices: operations (tests/fuzz/fuzz_devices.c: enum op) ----
OP_IO, OP_RDMSR, OP_WRMSR, OP_VMCALL, OP_CPUID, OP_XAPIC, OP_TIME, OP_INJECT, OP_CR8, OP_VCPU, OP_MODE = range(11)
MSRS = [0x1B, 0x802, 0x803, 0x808, 0x80B, 0x80F, 0x830, 0x832, 0x835, 0x837, 0x838, 0x839, 0x83E, 0x83F,
        0x800, 0x8FF, 0x6E0, 0x10, 0x3B]


def io_out(port, val, size=1):
    q = (port << 16) | {1: 0, 2: 1, 4: 3}[size]
    return bytes([OP_IO]) + struct.pack("<II", q, val)


def io_in(port, size=1):
    q = (port << 16) | 8 | {1: 0, 2: 1, 4: 3}[size]
    return bytes([OP_IO]) + struct.pack("<II", q, 0)


def raw_msr(msr):
    return bytes([MSRS.index(msr)]) if msr in MSRS else bytes([250]) + struct.pack("<I", msr)


def wrmsr(msr, val):
    return bytes([OP_WRMSR]) + raw_msr(msr) + struct.pack("<II", val & 0xFFFFFFFF, val >> 32)


def rdmsr(msr):
    return bytes([OP_RDMSR]) + raw_msr(msr)


def vmcall(nr, rdi=0, rsi=0, rdx=0):
    return bytes([OP_VMCALL, nr]) + b"".join(x.to_bytes(3, "little") for x in (rdi, rsi, rdx))


def xapic(off, write, insn, rax=0, rcx=0):
    o = (off + 0x10) | (0x8000 if write else 0)
    return bytes([OP_XAPIC]) + struct.pack("<H", o) + bytes([len(insn)]) + insn + struct.pack("<II", rax, rcx)


seed("devices", "console", b"".join(io_out(0x3F8, c) for c in b"hello\n") + io_in(0x3FD) +
     b"".join(io_out(0xE9, c) for c in b"dbg\n") + io_out(0x510, 0, 2) + io_in(0x511) * 4 +
     io_out(0x510, 5, 2) + io_in(0x511) + io_out(0x80, 1) + io_in(0x61) + io_out(0xF4, 0))
seed("devices", "shutdown", b"".join(io_out(0x8900, c) for c in b"Shutdown") + bytes([OP_VCPU, 1]) +
     b"".join(io_out(0x8900, c) for c in b"Shutdown") + io_out(0xB004, 1 << 13, 2))
# issue 10's isa-debug "Shutdown" matcher read word[9] when a vCPU wrote NUL and more after the end
seed("devices", "shutdown_after_end", b"".join(io_out(0x8900, c) for c in b"Shutdown") + io_out(0x8900, 0) +
     bytes([OP_VCPU, 1]) + io_out(0x8900, ord("S")) + io_out(0x8900, 0))
seed("devices", "msrs", rdmsr(0x1B) + rdmsr(0x10) + wrmsr(0x10, 1 << 40) + wrmsr(0x3B, 5) + rdmsr(0x3B) +
     rdmsr(0xC0000080) + rdmsr(0x277) + wrmsr(0x277, 0x0007040600070406) + rdmsr(0x1234) + wrmsr(0x1234, 1))
seed("devices", "x2apic", wrmsr(0x1B, 0xFEE00000 | (1 << 11) | (1 << 10) | (1 << 8)) + rdmsr(0x802) +
     rdmsr(0x803) + wrmsr(0x80F, 0x1FF) + wrmsr(0x832, 0x40) + wrmsr(0x838, 1000) + bytes([OP_TIME]) +
     b"\x00\x10\x00\x10" + bytes([OP_INJECT]) + wrmsr(0x80B, 0) + wrmsr(0x830, (1 << 32) | 0x4500) +
     wrmsr(0x830, (1 << 32) | 0x4610) + bytes([OP_VCPU, 1]) + rdmsr(0x802) +
     wrmsr(0x832, 0x40041) + wrmsr(0x6E0, 5000) + bytes([OP_TIME]) + b"\x00\x20\x00\x10" + bytes([OP_INJECT]) +
     bytes([OP_CR8, 0x85, OP_CR8, 0x00]) + wrmsr(0x83F, 0x41) + rdmsr(0x839))
seed("devices", "xapic", xapic(0xF0, True, bytes.fromhex("8908"), rcx=0x1FF) +
     xapic(0x20, False, bytes.fromhex("8b00")) + xapic(0x30, False, bytes.fromhex("8b08")) +
     xapic(0x320, True, bytes.fromhex("8908"), rcx=0x20030) + xapic(0x3E0, True, bytes.fromhex("8908"), rcx=0xB) +
     xapic(0x380, True, bytes.fromhex("c70500e0fefe10000000")) + bytes([OP_TIME]) + b"\x00\x00\x01\x10" +
     bytes([OP_INJECT]) + xapic(0xB0, True, bytes.fromhex("8908")) + xapic(0x310, True, bytes.fromhex("8908"), rcx=1 << 24) +
     xapic(0x300, True, bytes.fromhex("8908"), rcx=0x4500) + xapic(0x300, True, bytes.fromhex("8908"), rcx=0x4620) +
     bytes([OP_MODE, 2]) + xapic(0x80, True, bytes.fromhex("48890d00000000"), rcx=0x10) +
     xapic(0x390, False, bytes.fromhex("0fb600")) + xapic(0x100, False, bytes.fromhex("668b00")))
seed("devices", "hypercalls", b"".join(vmcall(n, 0x2000, 16, 0) for n in range(10)) +
     vmcall(1, 0xFFF0, 0x20) + vmcall(2, 1, 0x2000, 8) + vmcall(4, 0x3000, 0x100) + vmcall(8, 0, 0x1000, 0x2000) +
     bytes([OP_MODE, 1 | (3 << 2)]) + vmcall(0) + vmcall(1, 0x2000, 4))
seed("devices", "cpuid", b"".join(bytes([OP_CPUID, i, 0]) for i in range(22)) + bytes([OP_CPUID, 7, 1]) +
     bytes([OP_CPUID, 250]) + struct.pack("<I", 0x40000100) + b"\x00")

if __name__ == "__main__":
    want = [w for a in sys.argv[1:] for w in (a, a + "-crashes")] or list(seeds)
    for target, items in seeds.items():
        if target not in want:
            continue
        d = (os.path.join(HERE, target[:-len("-crashes")], "crashes") if target.endswith("-crashes")
             else os.path.join(HERE, target, "corpus"))
        os.makedirs(d, exist_ok=True)
        for name, data in items:
            prefix = "" if target.endswith("-crashes") else "seed-"
            with open(os.path.join(d, prefix + name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(items)} seeds in {os.path.relpath(d)}")
