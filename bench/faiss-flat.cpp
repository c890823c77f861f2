// SPDX-License-Identifier: MIT
// The FAISS baseline of bench/search.sh: a flat (exact, brute-force)
// index, IndexFlatIP over the rows scaled to unit length (cosine, as
// as-search ranks by default) or IndexFlatL2, NQ queries at once, top 10,
// one thread; REPS runs, each printed as: total_s  ms_per_query (CPU
// time). The rows
// and queries are float32 matrices (as-bench-search dump), or, without
// them, N and NQ random Gaussian vectors. Built by the script only when
// libfaiss-dev and g++ are installed (never a dependency).
#include <faiss/IndexFlat.h>
#include <faiss/utils/distances.h>
#include <omp.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

// CPU time of the process (one thread: the machine may be shared)
static double
cpu_now()
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

static bool
load(const char *path, std::vector<float> &v)
{
    FILE *fp = std::fopen(path, "rb");
    if (fp == nullptr)
        return false;
    size_t got = std::fread(v.data(), sizeof(float), v.size(), fp);
    std::fclose(fp);
    return got == v.size();
}

int
main(int argc, char **argv)
{
    if ((argc != 6 && argc != 8) ||
        (std::strcmp(argv[1], "ip") != 0 && std::strcmp(argv[1], "l2") != 0)) {
        std::fprintf(stderr,
                     "usage: faiss-flat ip|l2 N DIM NQ REPS [ROWS QUERIES]\n");
        return 2;
    }
    bool ip = std::strcmp(argv[1], "ip") == 0;
    size_t n = std::strtoul(argv[2], nullptr, 10);
    size_t d = std::strtoul(argv[3], nullptr, 10);
    size_t nq = std::strtoul(argv[4], nullptr, 10);
    int reps = std::atoi(argv[5]);
    const size_t k = 10;
    omp_set_num_threads(1);
    std::vector<float> x(n * d), q(nq * d);
    if (argc == 8) {
        if (!load(argv[6], x) || !load(argv[7], q)) {
            std::fprintf(stderr, "faiss-flat: cannot read %s or %s\n", argv[6],
                         argv[7]);
            return 1;
        }
    } else {
        std::mt19937 rng(1);
        std::normal_distribution<float> g;
        for (auto &v : x)
            v = g(rng);
        for (auto &v : q)
            v = g(rng);
    }
    faiss::IndexFlat *ix;
    if (ip) {
        faiss::fvec_renorm_L2(d, n, x.data());
        faiss::fvec_renorm_L2(d, nq, q.data());
        ix = new faiss::IndexFlatIP(d);
    } else {
        ix = new faiss::IndexFlatL2(d);
    }
    ix->add(n, x.data());
    std::vector<float> dist(nq * k);
    std::vector<faiss::Index::idx_t> lab(nq * k);
    for (int r = 0; r < reps; r++) {
        double t0 = cpu_now();
        ix->search(nq, q.data(), k, dist.data(), lab.data());
        double s = cpu_now() - t0;
        std::printf("%.4f\t%.4f\n", s, s * 1e3 / double(nq));
    }
    delete ix;
    return 0;
}
