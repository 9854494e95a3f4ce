#!/usr/bin/env bash
# Measures candidate delta formats for #15 (delta updates) on a realistic ext4 image pair with
# Debian's own tools, and prints a Markdown table. Nothing of Osprey is exercised here: the point
# is to choose the format with numbers measured on this machine, not quoted from elsewhere.
#
# Release A: an ext4 image (IMAGE_MIB, default 256) made unprivileged with `mkfs.ext4 -d` from a
# tree of real files (~150 MB, one path per inode: Python's standard library plus shared libraries, taken in sorted
# order so the same machine gives the same tree). Release B: the same tree with one ~5 MB binary
# replaced by entirely new bytes (worst case for a delta: a rebuilt binary usually shares much
# more), one config file edited and one new 2 MB file; B is made by a FRESH mkfs, as a build would
# do, so files may move inside the image and a delta has to find them.
#
# Per candidate: delta size, delta / full, encode time, decode time, the decoder's peak RSS
# (GNU time's maximum resident set size) and whether the decoded image's SHA-256 equals B's.
#
# Usage: scripts/measure-delta-formats.sh            (256 MiB, all candidates; about 2.5 min on 2 cores)
#        IMAGE_MIB=1024 CANDIDATES="xdelta3 casync" scripts/measure-delta-formats.sh
#        NEW_BINARY=library (B's 5 MiB binary: a real program from outside the tree, not random bytes),
#        CONTENT_MB=150 (content in the tree), BSDIFF_TIMEOUT=60 (seconds; bsdiff's suffix sort
#        did not finish in 240 s even on a 64 MiB image: the free space is long runs of zeros)
# Needs: mkfs.ext4 (e2fsprogs), xdelta3, zstd, bsdiff, casync, openssl, GNU time (/usr/bin/time).
# No root needed. Runs at nice 10 so the machine stays usable.
set -euo pipefail

IMAGE_MIB="${IMAGE_MIB:-256}"
CONTENT_MB="${CONTENT_MB:-150}"
CANDIDATES="${CANDIDATES:-xdelta3 zstd bsdiff casync}"
NEW_BINARY="${NEW_BINARY:-random}" # random | library (B's binary is real code: compressible)
BSDIFF_TIMEOUT="${BSDIFF_TIMEOUT:-60}"

for tool in mkfs.ext4 xdelta3 zstd bsdiff bspatch casync openssl sha256sum; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool (see .ci/install-system-packages)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "missing GNU time (/usr/bin/time, Debian package 'time')" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/osprey-delta.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"

# Deterministic pseudo-random bytes: AES-CTR keystream under a fixed key named by $1.
prng() { # prng SEED BYTES
  local key
  key="$(printf '%s' "$1" | sha256sum | cut -c1-32)"
  # head closes the pipe once it has enough: openssl's SIGPIPE is expected, not a failure.
  { openssl enc -aes-128-ctr -nosalt -K "$key" -iv 00000000000000000000000000000000 </dev/zero 2>/dev/null || true; } |
    head -c "$2"
}

# --- the tree of release A ----------------------------------------------------------------------
mkdir -p treeA/usr/lib treeA/etc
# One path per inode: /usr/lib holds hard links, which tar (and mkfs -d) would store once, so
# counting them would leave the tree well short of the budget.
find /usr/lib/python3.11 /usr/lib/x86_64-linux-gnu -xdev -type f -readable -printf '%i\t%s\t%p\n' 2>/dev/null |
  LC_ALL=C sort -t "$(printf '\t')" -k3 |
  awk -F '\t' -v budget=$((CONTENT_MB * 1000 * 1000)) '!seen[$1]++ && $2 + used <= budget { used += $2; print $3 }' >files.list
tar -cf - --verbatim-files-from -T files.list 2>/dev/null | tar -xf - -C treeA
rm files.list
for c in /etc/services /etc/protocols /etc/nsswitch.conf /etc/adduser.conf /etc/login.defs; do
  [ -r "$c" ] && cp "$c" treeA/etc/
done
printf 'server_url = "https://osprey.example/"\npoll_interval_s = 300\nlog_level = "info"\n' >treeA/etc/osprey-agent.toml

# The application binary B rebuilds: 5 MiB of a real shared library (the first one of at least
# 5 MiB on this machine), so A holds real machine code there; B replaces it with entirely new bytes.
lib="$(find /usr/lib/x86_64-linux-gnu -xdev -type f -name '*.so*' -size +5M 2>/dev/null | LC_ALL=C sort | sed -n 1p)"
[ -n "$lib" ] || { echo "no shared library of 5 MiB or more under /usr/lib/x86_64-linux-gnu" >&2; exit 2; }
mkdir -p treeA/usr/bin
head -c 5242880 "$lib" >treeA/usr/bin/osprey-app
big=treeA/usr/bin/osprey-app
big_size="$(stat -c %s "$big")"

cp -a treeA treeB
if [ "$NEW_BINARY" = library ]; then
  # A real program from outside the tree (the tree's own libraries would be found in A: Mesa's
  # drivers, for one, are copies of each other), so its bytes are new but compress like code.
  lib2="$(find /usr/bin /usr/sbin -xdev -type f -size +5M 2>/dev/null | LC_ALL=C sort | sed -n 1p)"
  [ -n "$lib2" ] || { echo "no program of 5 MiB or more under /usr/bin or /usr/sbin" >&2; exit 2; }
  head -c "$big_size" "$lib2" >"treeB/${big#treeA/}"
  new_desc="the start of $lib2"
else
  prng "release-b-binary" "$big_size" >"treeB/${big#treeA/}"
  new_desc="new random bytes"
fi
sed -i 's/poll_interval_s = 300/poll_interval_s = 600/; s/log_level = "info"/log_level = "warn"/' treeB/etc/osprey-agent.toml
printf '# added in release B\nmax_download_kbps = 512\n' >>treeB/etc/osprey-agent.toml
mkdir -p treeB/usr/share/osprey
prng "release-b-new-file" 2097152 >treeB/usr/share/osprey/new-asset.bin

# Same timestamps, owner, UUID and hash seed for both, so the images differ only where the files do.
find treeA treeB -exec touch -h -d @1700000000 {} +
mkimg() { # mkimg TREE IMAGE
  E2FSPROGS_FAKE_TIME=1700000000 mkfs.ext4 -q -F -b 4096 -U 6f737072-6579-4000-8000-000000000001 \
    -E hash_seed=6f737072-6579-4000-8000-000000000002,root_owner=0:0 -d "$1" "$2" "${IMAGE_MIB}M" >/dev/null
}
mkimg treeA A.img
mkimg treeB B.img
content="$(du -sb treeB | cut -f1)"
rm -rf treeA treeB
full="$(stat -c %s B.img)"
sumB="$(sha256sum B.img | cut -d' ' -f1)"
full_zst="$(zstd -q -3 -c B.img | wc -c)"

# --- measurement helpers ------------------------------------------------------------------------
rows=()
# run LABEL-FILE CMD...: time + peak RSS of CMD (nice 10), written to LABEL-FILE as "seconds kib".
run() {
  local out="$1"
  shift
  /usr/bin/time -f '%e %M' -o "$out" nice -n 10 "$@"
}
mib() { awk -v b="$1" 'BEGIN{printf "%.2f MiB", b/1048576}'; }
row() { # row NAME DELTA_BYTES ENC_FILE DEC_FILE OUT_IMAGE NOTE
  local ok enc dec
  if [ -f "$5" ] && [ "$(sha256sum "$5" | cut -d' ' -f1)" = "$sumB" ]; then ok="yes"; else ok="**NO**"; fi
  # GNU time puts "Command exited with non-zero status" first when it does: the numbers are last.
  read -r enc _ < <(tail -n1 "$3")
  read -r dec decrss < <(tail -n1 "$4")
  rows+=("| $1 | $(mib "$2") | $(awk -v d="$2" -v f="$full" 'BEGIN{printf "%.2f %%", 100*d/f}') | ${enc} s | ${dec} s | $(awk -v k="$decrss" 'BEGIN{printf "%.0f MiB", k/1024}') | $ok | $6 |")
  rm -f "$5"
}

for cand in $CANDIDATES; do
  case "$cand" in
  xdelta3)
    # -B: the source window (xdelta3's block cache over the seekable source, in encoder and decoder).
    # Default 64 MiB. A window smaller than the distance data moves loses matches, so the encoder
    # gets a window as big as the image; the decoder can be given a small one (it only reads the
    # blocks the copies name, seeking in the source file).
    src_win=$((IMAGE_MIB * 1048576))
    run enc.t xdelta3 -e -f -s A.img B.img x-default.vcdiff
    run dec.t xdelta3 -d -f -s A.img x-default.vcdiff out.img
    row "xdelta3 (VCDIFF) default (-B 64 MiB)" "$(stat -c %s x-default.vcdiff)" enc.t dec.t out.img "encode peak RSS $(tail -n1 enc.t | awk '{printf "%.0f MiB", $2/1024}')"
    run enc.t xdelta3 -e -9 -f -B "$src_win" -s A.img B.img x-9.vcdiff
    run dec.t xdelta3 -d -f -B "$src_win" -s A.img x-9.vcdiff out.img
    row "xdelta3 -9 -B ${IMAGE_MIB} MiB" "$(stat -c %s x-9.vcdiff)" enc.t dec.t out.img "encode peak RSS $(tail -n1 enc.t | awk '{printf "%.0f MiB", $2/1024}')"
    run dec.t xdelta3 -d -f -B 8388608 -s A.img x-9.vcdiff out.img
    row "xdelta3 -9, decoded with -B 8 MiB" "$(stat -c %s x-9.vcdiff)" enc.t dec.t out.img "same delta; small decoder window"
    # The profile Osprey would ship: plain RFC 3284 — no secondary compressor (-S none: xdelta3's
    # lzma/djw are its own extensions), no application header (-A), no per-window Adler-32 (-n:
    # also an extension; the signed final hash checks the result) — and 1 MiB target windows (-W),
    # the unit a device decodes in memory and resumes at.
    run enc.t xdelta3 -e -9 -S none -A -n -W 1048576 -f -B "$src_win" -s A.img B.img x-rfc.vcdiff
    run dec.t xdelta3 -d -n -f -B 8388608 -s A.img x-rfc.vcdiff out.img
    xdelta3 printhdrs x-rfc.vcdiff >hdrs.txt
    hdr="$(sed -n 's/^VCDIFF header indicator: *//p' hdrs.txt | head -n1)"
    nwin="$(grep -c '^VCDIFF window indicator' hdrs.txt || true)"
    ntgt="$(grep '^VCDIFF window indicator' hdrs.txt | grep -c 'VCD_TARGET' || true)"
    row "xdelta3 -9 -S none -A -n -W 1 MiB (plain RFC 3284), decoded with -B 8 MiB" "$(stat -c %s x-rfc.vcdiff)" enc.t dec.t out.img "header indicator: ${hdr:-?}; $nwin windows, $ntgt with VCD_TARGET; gzip -6 of it: $(mib "$(gzip -6 -c x-rfc.vcdiff | wc -c)")"
    rm -f x-default.vcdiff x-9.vcdiff x-rfc.vcdiff hdrs.txt
    ;;
  zstd)
    # --patch-from: A is the dictionary; the window must cover A, so --long=log2(image)+1 on both
    # sides, and the decoder holds (maps) the whole source.
    wlog=$(awk -v m="$IMAGE_MIB" 'BEGIN{l=20; while ((2^l) < m*1048576) l++; print l+1}')
    for lvl in 3 19; do
      run enc.t zstd -q -f -"$lvl" --long="$wlog" --patch-from=A.img B.img -o z.zst 2>/dev/null # (tuning hints)
      run dec.t zstd -q -f -d --long="$wlog" --patch-from=A.img z.zst -o out.img
      row "zstd -$lvl --patch-from --long=$wlog" "$(stat -c %s z.zst)" enc.t dec.t out.img "encode peak RSS $(tail -n1 enc.t | awk '{printf "%.0f MiB", $2/1024}')"
      rm -f z.zst
    done
    ;;
  bsdiff)
    # bsdiff's suffix sort needs ~17x the old file in memory (and minutes): bounded by a timeout.
    if run enc.t timeout "$BSDIFF_TIMEOUT" bsdiff A.img B.img b.patch; then
      run dec.t bspatch A.img out.img b.patch
      row "bsdiff 4.3 (bzip2)" "$(stat -c %s b.patch)" enc.t dec.t out.img "encode peak RSS $(tail -n1 enc.t | awk '{printf "%.0f MiB", $2/1024}')"
    else
      rows+=("| bsdiff 4.3 | - | - | > ${BSDIFF_TIMEOUT} s (stopped) | - | - | - | encode did not finish in ${BSDIFF_TIMEOUT} s; encoder peak RSS by then $(tail -n1 enc.t | awk '{printf "%.0f MiB", $2/1024}') |")
    fi
    rm -f b.patch
    ;;
  casync)
    # Content-defined chunks (default average 64 KiB), each compressed with zstd in a store. The
    # device would download only B's chunks that A's image does not already contain: those are the
    # "delta". To prove it, B is extracted from a store holding ONLY those chunks, seeded by A.img.
    casync make --compression=zstd --store=A.castr A.caibx A.img >/dev/null
    run enc.t casync make --compression=zstd --store=B.castr B.caibx B.img >/dev/null
    mkdir -p D.castr
    (cd B.castr && find . -name '*.cacnk' | sort) >b.list
    (cd A.castr && find . -name '*.cacnk' | sort) >a.list
    missing=0
    nmiss=0
    while IFS= read -r c; do
      mkdir -p "D.castr/$(dirname "$c")"
      cp "B.castr/$c" "D.castr/$c"
      missing=$((missing + $(stat -c %s "B.castr/$c")))
      nmiss=$((nmiss + 1))
    done < <(comm -13 a.list b.list)
    nb="$(wc -l <b.list)"
    idx="$(stat -c %s B.caibx)"
    run dec.t casync extract --store=D.castr --seed=A.img B.caibx out.img
    row "casync (64 KiB avg chunks, zstd)" "$((missing + idx))" enc.t dec.t out.img "$nmiss of $nb chunks missing + index $(mib "$idx"); encode = make B's store"
    rm -rf A.castr B.castr D.castr A.caibx B.caibx a.list b.list
    ;;
  *) echo "unknown candidate: $cand" >&2; exit 2 ;;
  esac
done

echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -m)); image ${IMAGE_MIB} MiB ext4 holding $(mib "$content") of files;"
echo "B: ${big#treeA} (${big_size} B, from ${lib}) replaced by ${new_desc}, a config edited, a 2 MiB file added."
echo "Full image B: $(mib "$full") (zstd -3: $(mib "$full_zst")). Tools (Debian packages): $(dpkg-query -W -f='${Package} ${Version}, ' xdelta3 zstd bsdiff casync e2fsprogs 2>/dev/null | sed 's/, $//')."
echo
echo "| Format | Delta | Delta / full | Encode | Decode | Decoder peak RSS | Decoded = B | Note |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
