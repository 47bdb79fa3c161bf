/*
 * A stand-in for the CUDA driver (libcuda.so.1) with known answers, so that the probe's three
 * backends make real native calls on machines without a GPU. Built by the tests with gcc:
 *   gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o libcuda.so.1 libcuda_standin.c
 * Behaviour is chosen by STANDIN_CUDA_MODE: ok (default), init_fail, no_device, hang;
 * STANDIN_CUDA_INIT_MS makes cuInit take that long, as a real driver's does (about 200 ms).
 * Like the driver, it honours CUDA_VISIBLE_DEVICES (a comma list of ordinals, stopping at the
 * first invalid one).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int CUresult;
typedef int CUdevice;

#define PHYSICAL 2
static const char *NAMES[PHYSICAL] = {"B10 Stand-in H200", "B10 Stand-in A100"};
static const int MAJOR[PHYSICAL] = {9, 8};
static const int MINOR[PHYSICAL] = {0, 0};
static int visible[PHYSICAL];
static int visible_count = -1;
static int initialised = 0;

static const char *mode(void) {
    const char *m = getenv("STANDIN_CUDA_MODE");
    return m ? m : "ok";
}

static void compute_visible(void) {
    const char *env = getenv("CUDA_VISIBLE_DEVICES");
    visible_count = 0;
    if (env == NULL) {
        for (int i = 0; i < PHYSICAL; i++) visible[visible_count++] = i;
        return;
    }
    char buf[256];
    strncpy(buf, env, sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    for (char *tok = strtok(buf, ","); tok != NULL && visible_count < PHYSICAL; tok = strtok(NULL, ",")) {
        char *end;
        long v = strtol(tok, &end, 10);
        if (end == tok || *end != 0 || v < 0 || v >= PHYSICAL) break;
        visible[visible_count++] = (int) v;
    }
}

CUresult cuInit(unsigned int flags) {
    (void) flags;
    if (strcmp(mode(), "hang") == 0) {
        for (;;) pause();
    }
    const char *ms = getenv("STANDIN_CUDA_INIT_MS");
    if (ms != NULL) usleep((useconds_t) atol(ms) * 1000);
    if (strcmp(mode(), "init_fail") == 0) return 999;
    if (strcmp(mode(), "no_device") == 0) return 100;
    compute_visible();
    initialised = 1;
    return 0;
}

CUresult cuDriverGetVersion(int *v) {
    if (!v) return 1;
    *v = 13000;
    return 0;
}

CUresult cuDeviceGetCount(int *n) {
    if (!initialised) return 3;
    *n = visible_count;
    return 0;
}

CUresult cuDeviceGet(CUdevice *d, int ordinal) {
    if (!initialised) return 3;
    if (ordinal < 0 || ordinal >= visible_count) return 101;
    *d = ordinal;
    return 0;
}

CUresult cuDeviceGetAttribute(int *value, int attrib, CUdevice d) {
    if (!initialised) return 3;
    if (d < 0 || d >= visible_count) return 101;
    int p = visible[d];
    if (attrib == 75) { *value = MAJOR[p]; return 0; }
    if (attrib == 76) { *value = MINOR[p]; return 0; }
    return 1;
}

CUresult cuDeviceGetName(char *name, int len, CUdevice d) {
    if (!initialised) return 3;
    if (d < 0 || d >= visible_count || len <= 0) return 101;
    strncpy(name, NAMES[visible[d]], (size_t) len - 1);
    name[len - 1] = 0;
    return 0;
}

CUresult cuDeviceGetUuid(unsigned char *uuid, CUdevice d) {
    if (!initialised) return 3;
    if (d < 0 || d >= visible_count) return 101;
    for (int i = 0; i < 16; i++) uuid[i] = (unsigned char) (0x10 * (visible[d] + 1) + i);
    return 0;
}

CUresult cuDeviceGetUuid_v2(unsigned char *uuid, CUdevice d) {
    return cuDeviceGetUuid(uuid, d);
}
