/* SPDX-License-Identifier: MIT */
/*
 * as-bench-corpus: the two steps of bench/corpus/make.sh that a shell
 * cannot do well.
 *
 *   as-bench-corpus midi out.mid program gap_s hold_s key_lo key_hi vel ...
 *
 * writes a Standard MIDI File (format 0, one track, 120 beats per minute,
 * 1000 ticks per beat, so a tick is 0.5 ms) that plays the drum kit
 * `program` on channel 10: every key from key_lo to key_hi at every
 * velocity given, one note per slot of gap_s seconds, the first slot
 * starting at 1 s, each note held hold_s seconds. Reverb (CC 91) and
 * chorus (CC 93) sends are set to 0. The file ends gap_s after the last
 * note's start, so that a renderer plays its tail. Slot i (from 0, keys
 * outer, velocities inner) starts at 1 + i * gap_s seconds.
 *
 *   as-bench-corpus cut in.wav
 *
 * reads lines "start_s<TAB>length_s<TAB>out.wav" on standard input (length
 * 0: to the end of in.wav) and writes each stretch of in.wav as a mono
 * (the mean of the channels), 16-bit WAV at in.wav's rate:
 *   - a stretch whose peak is below -80 dBFS is silent: no file;
 *   - the start is moved to 1 ms before the first sample within 40 dB of
 *     the stretch's peak, the end to the last sample within 60 dB of it
 *     (trailing silence trimmed), and the last 5 ms fade out linearly;
 *   - a sound still within 60 dB of its peak at the end of the stretch
 *     (longer than the gap) fades out over its last 100 ms instead.
 * Prints "out.wav<TAB>duration_s<TAB>peak_dbfs" for each file written.
 * Samples beyond full scale are clipped and counted on standard error.
 * The output depends only on the input: no dither, no time stamps.
 *
 *   as-bench-corpus zones soundfont program key_lo key_hi vel ...
 *
 * prints "key<TAB>vel<TAB>ids<TAB>mods" for every key and velocity
 * given: the samples (their indices in the soundfont's sample headers,
 * ascending, comma-separated; empty when nothing plays) that a note of
 * drum kit `program` (bank 128) plays, found as fluidsynth 2.3.1 finds
 * them: each preset zone whose key and velocity ranges hold the note,
 * then each zone of its instrument whose ranges hold it (a zone without
 * an instrument or a sample is a global zone and plays nothing; a global
 * zone's ranges do not narrow the others'); and the generators other
 * than level and filter (8, 9, 48) that a modulator of those zones or
 * their global zones drives by velocity (ascending, comma-separated; 63
 * for a link to another modulator). Reads SF2 and SF3 (whose compressed
 * sample chunk may miss its pad byte). This is bench/dups.sh's
 * provenance: two notes of one key playing the same samples, with no
 * such modulator, differ only in their level and filter, which the
 * synthesizer sets from the velocity (its default modulators).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

static void
put_vlq(FILE *fp, unsigned long v)
{
    unsigned char b[5];
    int n = 0;
    b[n++] = (unsigned char)(v & 0x7f);
    while ((v >>= 7) != 0)
        b[n++] = (unsigned char)(0x80 | (v & 0x7f));
    while (n > 0)
        fputc(b[--n], fp);
}

struct event {
    unsigned long tick;
    unsigned char b[3];
    int len;
};

static int
cmp_event(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    if (x->tick != y->tick)
        return x->tick < y->tick ? -1 : 1;
    /* at the same tick a note-off (0x89) comes before a note-on (0x99) */
    return (int)x->b[0] - (int)y->b[0];
}

static int
cmd_midi(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: as-bench-corpus midi out.mid program gap_s "
                        "hold_s key_lo key_hi vel ...\n");
        return 2;
    }
    int program = atoi(argv[2]);
    double gap_s = atof(argv[3]), hold_s = atof(argv[4]);
    int lo = atoi(argv[5]), hi = atoi(argv[6]);
    int nvel = argc - 7;
    if (program < 0 || program > 127 || lo < 0 || hi > 127 || lo > hi ||
        !(gap_s > 0) || !(hold_s > 0) || hold_s >= gap_s) {
        fprintf(stderr, "as-bench-corpus: midi: bad arguments\n");
        return 2;
    }
    size_t nslot = (size_t)(hi - lo + 1) * (size_t)nvel;
    struct event *ev = malloc(2 * nslot * sizeof *ev);
    if (ev == NULL)
        return 1;
    /* 2000 ticks per second */
    unsigned long gap_t = (unsigned long)lround(gap_s * 2000);
    unsigned long hold_t = (unsigned long)lround(hold_s * 2000);
    size_t n = 0, slot = 0;
    for (int key = lo; key <= hi; key++)
        for (int v = 0; v < nvel; v++, slot++) {
            int vel = atoi(argv[7 + v]);
            if (vel < 1 || vel > 127) {
                fprintf(stderr, "as-bench-corpus: midi: bad velocity\n");
                free(ev);
                return 2;
            }
            unsigned long t0 = 2000 + slot * gap_t;
            ev[n++] = (struct event){
                t0, {0x99, (unsigned char)key, (unsigned char)vel}, 3};
            ev[n++] =
                (struct event){t0 + hold_t, {0x89, (unsigned char)key, 0}, 3};
        }
    qsort(ev, n, sizeof *ev, cmp_event);
    unsigned long end_t = 2000 + nslot * gap_t;

    /* the track goes to memory first: its length leads it */
    char *trk = NULL;
    size_t trk_len = 0;
    FILE *t = open_memstream(&trk, &trk_len);
    if (t == NULL) {
        free(ev);
        return 1;
    }
    static const unsigned char head[] = {
        0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20, /* tempo 500000 us */
        0x00, 0xb9, 0x79, 0x00,                   /* reset controllers */
        0x00, 0xb9, 0x5b, 0x00,                   /* reverb send 0 */
        0x00, 0xb9, 0x5d, 0x00,                   /* chorus send 0 */
    };
    fwrite(head, 1, sizeof head, t);
    fputc(0x00, t);
    fputc(0xc9, t);
    fputc(program, t);
    unsigned long now = 0;
    for (size_t i = 0; i < n; i++) {
        put_vlq(t, ev[i].tick - now);
        now = ev[i].tick;
        fwrite(ev[i].b, 1, (size_t)ev[i].len, t);
    }
    put_vlq(t, end_t - now);
    fputc(0xff, t);
    fputc(0x2f, t);
    fputc(0x00, t);
    fclose(t);
    free(ev);

    FILE *fp = fopen(argv[1], "wb");
    if (fp == NULL) {
        perror(argv[1]);
        free(trk);
        return 1;
    }
    static const unsigned char mthd[] = {'M', 'T', 'h', 'd', 0, 0,    0,
                                         6,   0,   0,   0,   1, 0x03, 0xe8};
    fwrite(mthd, 1, sizeof mthd, fp);
    fwrite("MTrk", 1, 4, fp);
    for (int s = 24; s >= 0; s -= 8)
        fputc((int)((trk_len >> s) & 0xff), fp);
    fwrite(trk, 1, trk_len, fp);
    free(trk);
    if (fclose(fp) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}

static int
write_cut(const char *path, const float *x, size_t len, int rate, long *clipped)
{
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (sf == NULL) {
        fprintf(stderr, "as-bench-corpus: %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    short buf[4096];
    size_t done = 0;
    while (done < len) {
        size_t m = len - done < 4096 ? len - done : 4096;
        for (size_t i = 0; i < m; i++) {
            double v = (double)x[done + i] * 32767.0;
            if (v > 32767.0) {
                v = 32767.0;
                (*clipped)++;
            } else if (v < -32768.0) {
                v = -32768.0;
                (*clipped)++;
            }
            buf[i] = (short)lrint(v);
        }
        if (sf_write_short(sf, buf, (sf_count_t)m) != (sf_count_t)m) {
            fprintf(stderr, "as-bench-corpus: %s: %s\n", path, sf_strerror(sf));
            sf_close(sf);
            return -1;
        }
        done += m;
    }
    return sf_close(sf) == 0 ? 0 : -1;
}

static int
cmd_cut(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: as-bench-corpus cut in.wav <cuts\n");
        return 2;
    }
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(argv[1], SFM_READ, &info);
    if (sf == NULL) {
        fprintf(stderr, "as-bench-corpus: %s: %s\n", argv[1],
                sf_strerror(NULL));
        return 1;
    }
    size_t frames = (size_t)info.frames, ch = (size_t)info.channels;
    float *in = malloc(frames * ch * sizeof *in);
    float *mono = malloc((frames ? frames : 1) * sizeof *mono);
    if (in == NULL || mono == NULL ||
        sf_readf_float(sf, in, (sf_count_t)frames) != (sf_count_t)frames) {
        fprintf(stderr, "as-bench-corpus: %s: cannot read\n", argv[1]);
        sf_close(sf);
        free(in);
        free(mono);
        return 1;
    }
    sf_close(sf);
    for (size_t i = 0; i < frames; i++) {
        double s = 0;
        for (size_t c = 0; c < ch; c++)
            s += (double)in[i * ch + c];
        mono[i] = (float)(s / (double)ch);
    }
    free(in);

    const int rate = info.samplerate;
    const double silent = pow(10, -80 / 20.0);
    char line[4096];
    long clipped = 0;
    int status = 0;
    float *buf = NULL;
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *p1 = strchr(line, '\t'), *p2 = p1 ? strchr(p1 + 1, '\t') : 0;
        if (p2 == NULL) {
            fprintf(stderr, "as-bench-corpus: cut: bad line: %s\n", line);
            status = 1;
            continue;
        }
        const char *out = p2 + 1;
        size_t a = (size_t)lround(atof(line) * rate);
        double len_s = atof(p1 + 1);
        size_t b = len_s > 0 ? a + (size_t)lround(len_s * rate) : frames;
        if (b > frames)
            b = frames;
        if (a >= b)
            continue;
        double peak = 0;
        for (size_t i = a; i < b; i++)
            if (fabs((double)mono[i]) > peak)
                peak = fabs((double)mono[i]);
        if (peak < silent)
            continue;
        double on = peak * pow(10, -40 / 20.0),
               off = peak * pow(10, -60 / 20.0);
        size_t s = a, e = b;
        while (fabs((double)mono[s]) < on)
            s++;
        s = s > a + (size_t)(rate / 1000) ? s - (size_t)(rate / 1000) : a;
        while (e > s && fabs((double)mono[e - 1]) < off)
            e--;
        size_t fade = (size_t)(e == b ? rate / 10 : rate / 200);
        size_t n = e - s;
        free(buf);
        buf = malloc(n * sizeof *buf);
        if (buf == NULL)
            return 1;
        memcpy(buf, mono + s, n * sizeof *buf);
        if (fade > n)
            fade = n;
        for (size_t i = 0; i < fade; i++)
            buf[n - 1 - i] *= (float)((double)i / (double)fade);
        if (write_cut(out, buf, n, rate, &clipped) != 0) {
            status = 1;
            continue;
        }
        printf("%s\t%.6f\t%.2f\n", out, (double)n / rate, 20 * log10(peak));
    }
    free(buf);
    free(mono);
    if (clipped > 0)
        fprintf(stderr, "as-bench-corpus: %s: %ld samples clipped\n", argv[1],
                clipped);
    if (fflush(stdout) != 0)
        status = 1;
    return status;
}

/* the parts of a soundfont's "pdta" list the zones need */
struct sf_table {
    const unsigned char *p;
    size_t n; /* records */
};
struct soundfont {
    unsigned char *pdta;
    struct sf_table phdr, pbag, pmod, pgen, inst, ibag, imod, igen;
};

static unsigned
le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static unsigned long
le32(const unsigned char *p)
{
    return (unsigned long)le16(p) | (unsigned long)le16(p + 2) << 16;
}

/* The "pdta" list of RIFF file fp (size bytes long), read into memory,
 * or NULL. */
static unsigned char *
read_pdta(FILE *fp, long size, unsigned long *len)
{
    unsigned char h[12];
    if (fread(h, 1, 12, fp) != 12 || memcmp(h, "RIFF", 4) != 0 ||
        memcmp(h + 8, "sfbk", 4) != 0)
        return NULL;
    long at = 12;
    while (at <= size - 12) {
        if (fseek(fp, at, SEEK_SET) != 0 || fread(h, 1, 12, fp) != 12)
            return NULL;
        unsigned long n = le32(h + 4);
        if (n < 4 || n > (unsigned long)(size - at - 8))
            return NULL;
        if (memcmp(h, "LIST", 4) == 0 && memcmp(h + 8, "pdta", 4) == 0) {
            unsigned char *b = malloc(n - 4);
            if (b == NULL || fread(b, 1, n - 4, fp) != n - 4) {
                free(b);
                return NULL;
            }
            *len = n - 4;
            return b;
        }
        at += 8 + (long)n;
        /* RIFF pads an odd chunk; an SF3's sample chunk may not be */
        unsigned char id[4];
        if ((n & 1) != 0 && fseek(fp, at + 1, SEEK_SET) == 0 &&
            fread(id, 1, 4, fp) == 4 && memcmp(id, "LIST", 4) == 0)
            at++;
    }
    return NULL;
}

static int
load_soundfont(const char *path, struct soundfont *sf)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        perror(path);
        return -1;
    }
    unsigned long len = 0;
    long size = fseek(fp, 0, SEEK_END) == 0 ? ftell(fp) : -1;
    rewind(fp);
    sf->pdta = size > 0 ? read_pdta(fp, size, &len) : NULL;
    fclose(fp);
    if (sf->pdta == NULL) {
        fprintf(stderr, "as-bench-corpus: %s: no soundfont tables\n", path);
        return -1;
    }
    static const struct {
        const char *id;
        size_t size, off;
    } want[] = {
        {"phdr", 38, offsetof(struct soundfont, phdr)},
        {"pbag", 4, offsetof(struct soundfont, pbag)},
        {"pmod", 10, offsetof(struct soundfont, pmod)},
        {"pgen", 4, offsetof(struct soundfont, pgen)},
        {"inst", 22, offsetof(struct soundfont, inst)},
        {"ibag", 4, offsetof(struct soundfont, ibag)},
        {"imod", 10, offsetof(struct soundfont, imod)},
        {"igen", 4, offsetof(struct soundfont, igen)},
    };
    unsigned found = 0;
    for (unsigned long at = 0; at + 8 <= len;) {
        unsigned long n = le32(sf->pdta + at + 4);
        if (n > len - at - 8)
            break;
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
            if (memcmp(sf->pdta + at, want[i].id, 4) == 0) {
                struct sf_table *t =
                    (struct sf_table *)((char *)sf + want[i].off);
                t->p = sf->pdta + at + 8;
                t->n = n / want[i].size;
                found |= 1u << i;
            }
        at += 8 + n + (n & 1);
    }
    if (found != 0xffu) {
        fprintf(stderr, "as-bench-corpus: %s: soundfont tables missing\n",
                path);
        free(sf->pdta);
        return -1;
    }
    return 0;
}

/* A zone as a synthesizer reads it (the SoundFont 2.04 rules, which
 * fluidsynth 2.3.1 follows): a key range counts only as the first
 * generator, a velocity range only first or after the key range, and
 * the terminal generator (`last`: instrument or sample) ends the zone;
 * without one it is a global zone (target -1). */
struct zone {
    int klo, khi, vlo, vhi;
    long target;
    size_t mod0, mod1; /* its modulators */
};

static int
read_zone(const struct sf_table *bag, const struct sf_table *gen, size_t z,
          unsigned last, struct zone *out)
{
    *out = (struct zone){0, 127, 0, 127, -1, 0, 0};
    if (z + 1 >= bag->n)
        return -1;
    size_t g0 = le16(bag->p + 4 * z), g1 = le16(bag->p + 4 * (z + 1));
    out->mod0 = le16(bag->p + 4 * z + 2);
    out->mod1 = le16(bag->p + 4 * (z + 1) + 2);
    for (size_t g = g0; g < g1 && g < gen->n; g++) {
        const unsigned char *r = gen->p + 4 * g;
        unsigned op = le16(r);
        if (op == 43 && g == g0) { /* keyRange */
            out->klo = r[2];
            out->khi = r[3];
        } else if (op == 44 &&
                   (g == g0 || (g == g0 + 1 && le16(r - 4) == 43))) {
            out->vlo = r[2];
            out->vhi = r[3];
        } else if (op == last) {
            out->target = (long)le16(r + 2);
            break;
        }
    }
    return 0;
}

static int
zone_holds(const struct zone *z, int key, int vel)
{
    return key >= z->klo && key <= z->khi && vel >= z->vlo && vel <= z->vhi;
}

/* Adds to *set (a bit per generator, 64 of them) what the velocity
 * modulates in zone z besides the level and the low-pass filter (the
 * generators 8 initialFilterFc, 9 initialFilterQ and 48
 * initialAttenuation); a modulator of amount 0 does nothing. A link to
 * another modulator counts as bit 63. */
static void
velocity_mods(const struct sf_table *mod, const struct zone *z,
              unsigned long long *set)
{
    for (size_t m = z->mod0; m < z->mod1 && m < mod->n; m++) {
        const unsigned char *r = mod->p + 10 * m;
        unsigned src = le16(r), dest = le16(r + 2), amt_src = le16(r + 6);
        int amount = (int16_t)le16(r + 4);
        int by_vel = (src & 0xff) == 2 || (amt_src & 0xff) == 2;
        if (!by_vel || amount == 0 || dest == 8 || dest == 9 || dest == 48)
            continue;
        *set |= 1ull << (dest < 63 ? dest : 63);
    }
}

static int
cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The zones z0..z1 of bag (generators gen, modulators mod, terminal
 * generator `last`) that hold the note: their targets into out (at most
 * cap; *more set when there were more), and what the velocity drives in
 * them and in the global zone into *mods; their count. */
static size_t
zones_holding(const struct sf_table *bag, const struct sf_table *gen,
              const struct sf_table *mod, size_t z0, size_t z1, unsigned last,
              int key, int vel, long *out, size_t cap, int *more,
              unsigned long long *mods)
{
    size_t n = 0;
    struct zone global = {0};
    for (size_t z = z0; z < z1; z++) {
        struct zone zn;
        if (read_zone(bag, gen, z, last, &zn) != 0)
            break;
        if (zn.target < 0) {
            if (z == z0)
                global = zn;
            continue;
        }
        if (!zone_holds(&zn, key, vel))
            continue;
        velocity_mods(mod, &global, mods);
        velocity_mods(mod, &zn, mods);
        if (n < cap)
            out[n++] = zn.target;
        else
            *more = 1;
    }
    return n;
}

/* The samples a note plays, into ids (at most cap; *more set when there
 * were more), sorted, and what its velocity drives besides level and
 * filter, into *mods; their count. */
static size_t
note_samples(const struct soundfont *sf, int program, int key, int vel,
             long *ids, size_t cap, int *more, unsigned long long *mods)
{
    size_t n = 0;
    *more = 0;
    *mods = 0;
    for (size_t p = 0; p + 1 < sf->phdr.n; p++) {
        const unsigned char *h = sf->phdr.p + 38 * p;
        if ((int)le16(h + 20) != program || le16(h + 22) != 128)
            continue;
        long inst[64];
        size_t ni = zones_holding(&sf->pbag, &sf->pgen, &sf->pmod, le16(h + 24),
                                  le16(h + 38 + 24), 41, key, vel, inst, 64,
                                  more, mods);
        for (size_t i = 0; i < ni; i++) {
            if ((size_t)inst[i] + 1 >= sf->inst.n)
                continue;
            const unsigned char *ih = sf->inst.p + 22 * (size_t)inst[i];
            n += zones_holding(&sf->ibag, &sf->igen, &sf->imod, le16(ih + 20),
                               le16(ih + 22 + 20), 53, key, vel, ids + n,
                               cap - n, more, mods);
        }
        break; /* the first preset of that number, as a synthesizer */
    }
    qsort(ids, n, sizeof *ids, cmp_long);
    return n;
}

static int
cmd_zones(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: as-bench-corpus zones soundfont program "
                        "key_lo key_hi vel ...\n");
        return 2;
    }
    int program = atoi(argv[2]), lo = atoi(argv[3]), hi = atoi(argv[4]);
    int bad = program < 0 || program > 127 || lo < 0 || hi > 127 || lo > hi;
    for (int v = 5; v < argc; v++)
        bad |= atoi(argv[v]) < 1 || atoi(argv[v]) > 127;
    if (bad) {
        fprintf(stderr, "as-bench-corpus: zones: bad arguments\n");
        return 2;
    }
    struct soundfont sf = {0};
    if (load_soundfont(argv[1], &sf) != 0)
        return 1;
    int status = 0;
    for (int key = lo; key <= hi; key++)
        for (int v = 5; v < argc; v++) {
            long ids[64];
            int more, vel = atoi(argv[v]);
            unsigned long long mods;
            size_t n =
                note_samples(&sf, program, key, vel, ids, 64, &more, &mods);
            if (more) {
                fprintf(stderr,
                        "as-bench-corpus: %s: key %d plays more "
                        "than 64 samples\n",
                        argv[1], key);
                status = 1;
            }
            printf("%d\t%d\t", key, vel);
            for (size_t i = 0; i < n; i++)
                printf(i ? ",%ld" : "%ld", ids[i]);
            putchar('\t');
            for (int g = 0, first = 1; g < 64; g++)
                if (mods & 1ull << g) {
                    printf(first ? "%d" : ",%d", g);
                    first = 0;
                }
            putchar('\n');
        }
    free(sf.pdta);
    return fflush(stdout) == 0 ? status : 1;
}

int
main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "midi") == 0)
        return cmd_midi(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "cut") == 0)
        return cmd_cut(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "zones") == 0)
        return cmd_zones(argc - 1, argv + 1);
    fprintf(stderr, "usage: as-bench-corpus midi|cut|zones ...\n");
    return 2;
}
