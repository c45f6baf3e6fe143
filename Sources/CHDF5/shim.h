// Debian's serial HDF5 1.10 (pkg-config `hdf5`, headers in /usr/include/hdf5/serial).
//
// Many HDF5 "constants" are macros that Swift cannot import: some expand to a call to H5open()
// followed by a library global (H5T_NATIVE_DOUBLE is `(H5OPEN H5T_NATIVE_DOUBLE_g)`), others
// carry a cast (`(hid_t)0`) or a version check (H5F_ACC_TRUNC). The `possum_*` functions below
// return their values so the Swift wrapper never spells a raw number. Functions that return an
// H5T/H5P/H5E global evaluate the macro, so they call H5open() first, as the library requires.
#ifndef POSSUM_CHDF5_SHIM_H
#define POSSUM_CHDF5_SHIM_H

#include <hdf5.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// --- Default / "all" identifiers ---------------------------------------------------------
static inline hid_t possum_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t possum_h5s_all(void) { return H5S_ALL; }
static inline hid_t possum_h5e_default(void) { return H5E_DEFAULT; }
static inline hsize_t possum_h5s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t possum_h5t_variable(void) { return H5T_VARIABLE; }

// --- File access flags -------------------------------------------------------------------
static inline unsigned possum_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned possum_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned possum_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned possum_h5f_acc_excl(void) { return H5F_ACC_EXCL; }

// --- Open-object counting (H5Fget_obj_count) -----------------------------------------------
static inline unsigned possum_h5f_obj_all(void) { return H5F_OBJ_ALL; }
static inline unsigned possum_h5f_obj_file(void) { return H5F_OBJ_FILE; }
static inline unsigned possum_h5f_obj_dataset(void) { return H5F_OBJ_DATASET; }
static inline unsigned possum_h5f_obj_group(void) { return H5F_OBJ_GROUP; }
static inline unsigned possum_h5f_obj_datatype(void) { return H5F_OBJ_DATATYPE; }
static inline unsigned possum_h5f_obj_attr(void) { return H5F_OBJ_ATTR; }
static inline unsigned possum_h5f_obj_local(void) { return H5F_OBJ_LOCAL; }

// --- Property-list classes (library globals behind H5OPEN) ---------------------------------
static inline hid_t possum_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t possum_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t possum_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t possum_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t possum_h5p_attribute_create(void) { return H5P_ATTRIBUTE_CREATE; }

// --- Native (in-memory) datatypes (library globals behind H5OPEN) --------------------------
static inline hid_t possum_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t possum_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t possum_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t possum_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t possum_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t possum_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t possum_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t possum_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t possum_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t possum_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t possum_h5t_c_s1(void) { return H5T_C_S1; }

// --- Standard (file) datatypes: what we store on disk, little-endian like h5py and numpy -----
static inline hid_t possum_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t possum_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t possum_h5t_std_i8le(void) { return H5T_STD_I8LE; }
static inline hid_t possum_h5t_std_u8le(void) { return H5T_STD_U8LE; }
static inline hid_t possum_h5t_std_i16le(void) { return H5T_STD_I16LE; }
static inline hid_t possum_h5t_std_u16le(void) { return H5T_STD_U16LE; }
static inline hid_t possum_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t possum_h5t_std_u32le(void) { return H5T_STD_U32LE; }
static inline hid_t possum_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t possum_h5t_std_u64le(void) { return H5T_STD_U64LE; }

// --- Minor error numbers we classify errors by (library globals behind H5OPEN) -------------
static inline hid_t possum_h5e_nothdf5(void) { return H5E_NOTHDF5; }
static inline hid_t possum_h5e_truncated(void) { return H5E_TRUNCATED; }
static inline hid_t possum_h5e_notfound(void) { return H5E_NOTFOUND; }
static inline hid_t possum_h5e_exists(void) { return H5E_EXISTS; }
static inline hid_t possum_h5e_cantopenfile(void) { return H5E_CANTOPENFILE; }
static inline hid_t possum_h5e_cantlockfile(void) { return H5E_CANTLOCKFILE; }

// --- Sandboxed probe of variable-length reads ------------------------------------------------
//
// HDF5 1.10.8 trusts the global heap, where variable-length strings live and which has no
// checksum in any file format: a corrupted heap index makes H5HG_read copy from a wild pointer
// (only an assert guards it, compiled out in release builds), and a corrupted heap collection
// can make the library loop forever. Neither can be caught in-process. So before a
// variable-length read, possum performs the same read in a forked child: if the child
// completes, the parent's identical read is safe; if it crashes or hangs, the data is corrupt.
//
// The child runs only this C code and HDF5 (never Swift, whose runtime locks another thread may
// have held at fork time), restores default signal handlers so a crash is a quiet death rather
// than a crash report, disables core dumps, and leaves with _exit so no atexit handler (such as
// HDF5's own H5close) runs. The caller must hold possum's HDF5 lock, so no other thread is
// inside HDF5 at the fork.

/// First thing a probe child does: die quietly on a crash, write no core file, and make HDF5's
/// reads of uninitialized heap memory deterministic (glibc fills new blocks with a pattern that
/// is never a valid pointer), so a crash that in the parent would depend on leftover memory
/// contents happens reliably in the child.
///
/// Quietly means stderr too: the child's only output is its exit status, which the parent turns
/// into one clear error naming the file. What the child would print on the way down — glibc's
/// "malloc(): corrupted ..." before it aborts, HDF5's error stack — describes the damage in the
/// library's terms, not the user's, and would appear out of order with the parent's message.
static inline void possum_probe_child_setup(void) {
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], SIG_DFL);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
        dup2(devnull, STDERR_FILENO);
        if (devnull != STDERR_FILENO) close(devnull);
    }
#ifdef __GLIBC__
    mallopt(M_PERTURB, 0xA5);
#endif
}

/// Collects a probe child that has exited or is about to: its verdict as possum_probe_wait returns it.
static inline int possum_probe_reap(pid_t pid) {
    int status = 0;
    pid_t done;
    while ((done = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {}
    if (done != pid) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? 0 : 1;
    return 2;
}

static inline long possum_monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/// Waits for a probe child: 0 if it exited 0, 1 if it exited otherwise, 2 if a signal killed it,
/// 3 if it ran past timeout_ms (it is then killed), -1 if it cannot be waited for.
///
/// A probe of a small file takes a few milliseconds, so how we wait matters: the child's exit
/// makes a pidfd (Linux >= 5.3) readable, and poll() wakes at once, with the timeout as its bound.
/// Without pidfds, waitpid is polled with sleeps that grow to 20 ms (which can add up to as much
/// again as the probe itself took). SIGCHLD cannot be used: it is process-wide, and a library
/// must not block or catch it behind its host's back.
static inline int possum_probe_wait(pid_t pid, long timeout_ms) {
    long deadline = possum_monotonic_ms() + timeout_ms;
#ifdef SYS_pidfd_open
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0) {
        for (;;) {
            long left = deadline - possum_monotonic_ms();
            struct pollfd entry = {pidfd, POLLIN, 0};
            int ready = left > 0 ? poll(&entry, 1, left > INT_MAX ? INT_MAX : (int)left) : 0;
            if (ready < 0 && errno == EINTR) continue;
            close(pidfd);
            if (ready == 0) kill(pid, SIGKILL);  // timed out (the child is not reaped yet: pid still ours)
            int verdict = possum_probe_reap(pid);
            return ready == 0 ? 3 : verdict;
        }
    }
#endif
    long step_us = 50;
    for (;;) {
        int status = 0;
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? 0 : 1;
            return 2;
        }
        if (done < 0 && errno != EINTR) return -1;
        if (possum_monotonic_ms() >= deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
            return 3;
        }
        usleep((useconds_t)step_us);
        if (step_us < 20000) step_us *= 2;
    }
}

// Returns 0 if the read completes, 1 if it fails with an ordinary HDF5 error, 2 if it crashed,
// 3 if it did not finish within timeout_ms (the child is killed), -1 if no child could be run.
static inline int possum_probe_vlen_read(hid_t object, int is_attribute, hid_t mem_type, hid_t mem_space,
                                         hid_t file_space, size_t count, long timeout_ms) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        possum_probe_child_setup();
        void *buffer = calloc(count ? count : 1, sizeof(char *));
        if (buffer == NULL) _exit(1);
        herr_t rc = is_attribute ? H5Aread(object, mem_type, buffer)
                                 : H5Dread(object, mem_type, mem_space, file_space, H5P_DEFAULT, buffer);
#ifdef __GLIBC__
        malloc_trim(0);  // see possum_probe_file
#endif
        _exit(rc < 0 ? 1 : 0);
    }
    return possum_probe_wait(pid, timeout_ms);
}

// --- Sandboxed probe of a whole file ---------------------------------------------------------
//
// Files without metadata checksums (HDF5's default format, which h5py writes) can crash
// HDF5 1.10.8 in group iteration and B-tree code as well, not only in the global heap. So
// HDF5File.open first walks the whole file in a forked child, with the same calls the Swift
// wrapper makes (link iteration and lookup, object info, dataset type/space/properties, every
// attribute and every dataset value, in blocks of at most 16 MiB — for unfiltered fixed-size
// values, one value per chunk: see possum_probe_touch_raw_dataset), and only opens it in-process
// if the child finished. HDF5 errors in the child are fine (the parent reports them cleanly);
// a crash or a hang means the file is corrupt in a way HDF5 cannot survive.

typedef struct {
    int depth;
    /// Bytes of values to read per dataset at most (see possum_probe_file).
    hsize_t budget;
} possum_probe_state;

static inline void possum_probe_read_attributes(hid_t object);
static inline void possum_probe_read_dataset(hid_t dataset, hsize_t budget);

static inline herr_t possum_probe_attribute(hid_t object, const char *name, const H5A_info_t *info, void *data) {
    (void)info; (void)data;
    if (H5Aexists(object, name) <= 0) return 0;
    hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    if (attribute < 0) return 0;
    hid_t type = H5Aget_type(attribute);
    hid_t space = H5Aget_space(attribute);
    hid_t native = type >= 0 ? H5Tget_native_type(type, H5T_DIR_DEFAULT) : -1;
    hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    size_t size = native >= 0 ? H5Tget_size(native) : 0;
    if (native >= 0 && points > 0 && size > 0 && (size_t)points <= ((size_t)64 << 20) / size) {
        void *buffer = calloc((size_t)points, size);
        if (buffer != NULL) {
            // Variable-length results are not reclaimed: the child exits right after.
            H5Aread(attribute, native, buffer);
            free(buffer);
        }
    }
    if (native >= 0) H5Tclose(native);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attribute);
    return 0;
}

static inline void possum_probe_read_attributes(hid_t object) {
    hsize_t index = 0;
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, possum_probe_attribute, NULL);
}

static inline void possum_probe_read_dataset(hid_t dataset, hsize_t budget) {
    possum_probe_read_attributes(dataset);
    hid_t dcpl = H5Dget_create_plist(dataset);
    if (dcpl >= 0) {
        hsize_t chunk[32];
        if (H5Pget_layout(dcpl) == H5D_CHUNKED) H5Pget_chunk(dcpl, 32, chunk);
        int filters = H5Pget_nfilters(dcpl);
        for (int i = 0; i < filters; i++) {
            unsigned flags = 0, values[8], config = 0;
            size_t count = 8;
            H5Pget_filter2(dcpl, (unsigned)i, &flags, &count, values, 0, NULL, &config);
        }
        H5Pclose(dcpl);
    }
    // Values beyond what the stored bytes can expand to (deflate's ratio is at most ~1032) are
    // fill values of a corrupted, enormous extent: reading them proves nothing and takes ages.
    hsize_t stored = H5Dget_storage_size(dataset);
    hsize_t plausible = stored > budget / 1100 ? budget : stored * 1100;
    if (plausible < ((hsize_t)1 << 20)) plausible = (hsize_t)1 << 20;
    if (plausible < budget) budget = plausible;
    hid_t type = H5Dget_type(dataset);
    hid_t space = H5Dget_space(dataset);
    hid_t native = type >= 0 ? H5Tget_native_type(type, H5T_DIR_DEFAULT) : -1;
    size_t size = native >= 0 ? H5Tget_size(native) : 0;
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (native >= 0 && size > 0 && rank >= 0 && rank <= 32) {
        hsize_t dims[32];
        H5Sget_simple_extent_dims(space, dims, NULL);
        // Elements per row (all but the first dimension), then rows per block of <= 16 MiB.
        hsize_t row = 1;
        for (int d = 1; d < rank; d++) row = dims[d] == 0 ? 0 : (row > ((hsize_t)1 << 40) / dims[d] ? 0 : row * dims[d]);
        hsize_t rows = rank == 0 ? 1 : dims[0];
        hsize_t limit = ((hsize_t)16 << 20) / size;
        hsize_t block = row == 0 ? 0 : (row > limit ? 1 : limit / row);
        if (row > 0 && row <= limit * 64 && block > 0 && rows > 0) {
            // Room for one block, or for the whole dataset if that is smaller: a 16 MiB buffer
            // for a 100-row column costs thousands of page faults (and a full memset under
            // M_PERTURB, since glibc's calloc then clears every byte it hands out).
            if (block > rows) block = rows;
            void *buffer = calloc((size_t)(block * row), size);
            hsize_t done = 0;
            for (hsize_t start = 0; buffer != NULL && start < rows && done < budget; start += block) {
                hsize_t count_rows = rows - start < block ? rows - start : block;
                hsize_t n = rank == 0 ? 1 : count_rows * row;
                hid_t memory = H5Screate_simple(1, &n, NULL);
                hid_t selection = H5Scopy(space);
                if (rank > 0) {
                    hsize_t offset[32] = {0}, count[32];
                    offset[0] = start;
                    count[0] = count_rows;
                    for (int d = 1; d < rank; d++) count[d] = dims[d];
                    H5Sselect_hyperslab(selection, H5S_SELECT_SET, offset, NULL, count, NULL);
                }
                herr_t rc = H5Dread(dataset, native, memory, selection, H5P_DEFAULT, buffer);
                done += n * size;
                H5Sclose(selection);
                H5Sclose(memory);
                if (rc < 0) break;
            }
            free(buffer);
        }
    }
    if (native >= 0) H5Tclose(native);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
}

/// For a dataset of fixed-size values stored without filters (contiguous or chunked), reads one
/// value per chunk (the first and last value of a contiguous one) through a dataset opened with
/// no chunk cache, so HDF5 walks the whole chunk index but reads 8 bytes per chunk, not the
/// data: unfiltered values are plain bytes that no damage can make HDF5 crash on, while the
/// index and addresses are what it must survive. Returns 1 when done, 0 to read it whole.
static inline int possum_probe_touch_raw_dataset(hid_t group, const char *name, hid_t dataset) {
    int handled = 0;
    hid_t dcpl = H5Dget_create_plist(dataset);
    hid_t type = H5Dget_type(dataset);
    hid_t space = H5Dget_space(dataset);
    if (dcpl < 0 || type < 0 || space < 0) goto done;
    H5D_layout_t layout = H5Pget_layout(dcpl);
    H5T_class_t class = H5Tget_class(type);
    int fixed = (class == H5T_INTEGER || class == H5T_FLOAT || class == H5T_BITFIELD
                 || (class == H5T_STRING && H5Tis_variable_str(type) == 0));
    int rank = H5Sget_simple_extent_ndims(space);
    if (!fixed || H5Pget_nfilters(dcpl) != 0 || rank < 1 || rank > 32) goto done;
    if (layout != H5D_CHUNKED && layout != H5D_CONTIGUOUS) goto done;
    hid_t native = H5Tget_native_type(type, H5T_DIR_DEFAULT);
    if (native < 0) goto done;
    size_t size = H5Tget_size(native);
    hsize_t dims[32], chunk[32], start[32], stride[32], count[32], points = 1;
    H5Sget_simple_extent_dims(space, dims, NULL);
    for (int d = 0; d < rank; d++) if (dims[d] == 0) { handled = 1; H5Tclose(native); goto done; }
    hid_t selection = H5Scopy(space);
    if (layout == H5D_CHUNKED) {
        if (H5Pget_chunk(dcpl, rank, chunk) != rank) { H5Sclose(selection); H5Tclose(native); goto done; }
        for (int d = 0; d < rank; d++) {
            if (chunk[d] == 0) { H5Sclose(selection); H5Tclose(native); goto done; }
            start[d] = 0; stride[d] = chunk[d]; count[d] = (dims[d] - 1) / chunk[d] + 1;
            points = count[d] > ((hsize_t)1 << 40) / points ? ((hsize_t)1 << 40) : points * count[d];
        }
        H5Sselect_hyperslab(selection, H5S_SELECT_SET, start, stride, count, NULL);
    } else {
        hsize_t corners[2 * 32];
        for (int d = 0; d < rank; d++) { corners[d] = 0; corners[rank + d] = dims[d] - 1; }
        points = 2;
        H5Sselect_elements(selection, H5S_SELECT_SET, 2, corners);
    }
    if (size > 0 && points <= ((hsize_t)16 << 20) / size) {
        hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
        if (dapl >= 0) H5Pset_chunk_cache(dapl, 0, 0, 1.0);
        hid_t uncached = dapl >= 0 ? H5Dopen2(group, name, dapl) : -1;
        void *buffer = calloc((size_t)points, size);
        if (uncached >= 0 && buffer != NULL) {
            hid_t memory = H5Screate_simple(1, &points, NULL);
            H5Dread(uncached, native, memory, selection, H5P_DEFAULT, buffer);
            H5Sclose(memory);
            handled = 1;
        }
        free(buffer);
        if (uncached >= 0) H5Dclose(uncached);
        if (dapl >= 0) H5Pclose(dapl);
    }
    H5Sclose(selection);
    H5Tclose(native);
done:
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (dcpl >= 0) H5Pclose(dcpl);
    return handled;
}

static inline herr_t possum_probe_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    possum_probe_state *state = (possum_probe_state *)data;
    if (H5Lexists(group, name, H5P_DEFAULT) <= 0) return 0;
    H5O_info_t object;
    if (H5Oget_info_by_name2(group, name, &object, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return 0;
    if (object.type == H5O_TYPE_GROUP && state->depth < 32) {
        hid_t child = H5Gopen2(group, name, H5P_DEFAULT);
        if (child >= 0) {
            possum_probe_read_attributes(child);
            possum_probe_state inner = {state->depth + 1, state->budget};
            hsize_t index = 0;
            H5Literate(child, H5_INDEX_NAME, H5_ITER_INC, &index, possum_probe_link, &inner);
            H5Gclose(child);
        }
    } else if (object.type == H5O_TYPE_DATASET) {
        hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
        if (dataset >= 0) {
            if (possum_probe_touch_raw_dataset(group, name, dataset)) possum_probe_read_attributes(dataset);
            else possum_probe_read_dataset(dataset, state->budget);
            H5Dclose(dataset);
        }
    }
    return 0;
}

/// Walks and reads all of `path` in a forked child. Same return values as
/// possum_probe_vlen_read: 0 finished, 1 could not even open, 2 crashed, 3 timed out, -1 no child.
///
/// Each dataset is read up to `budget` bytes of values, and no further than its stored bytes
/// could expand to (at least 1 MiB). A corrupted dimension can make a chunked dataset logically
/// enormous (unallocated chunks read as fill values); reading all of it would only cost time.
static inline int possum_probe_file(const char *path, hid_t fapl, hsize_t budget, long timeout_ms) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        possum_probe_child_setup();
        hid_t file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
        if (file < 0) _exit(1);
        hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
        if (root >= 0) {
            possum_probe_read_attributes(root);
            possum_probe_state state = {0, budget};
            hsize_t index = 0;
            H5Literate(root, H5_INDEX_NAME, H5_ITER_INC, &index, possum_probe_link, &state);
        }
        // Damage can make HDF5 write past a buffer without crashing at once. Freeing everything
        // it allocated (H5close) and consolidating the heap makes glibc's integrity checks see
        // such corruption and abort, here rather than later in the parent.
        H5close();
#ifdef __GLIBC__
        malloc_trim(0);
#endif
        _exit(0);
    }
    return possum_probe_wait(pid, timeout_ms);
}

// --- Closing a file whose disk writes fail -------------------------------------------------
//
// HDF5 1.10.8's H5Fclose, when the flush inside it fails (ENOSPC, EIO), frees the file's
// structures in H5F__dest but reports failure from H5F__close_cb, so H5I keeps the identifier
// pointing at freed memory; the atexit cleanup (H5_term_library) then "closes" it again and
// segfaults. This points the sec2 driver's descriptor at an anonymous in-memory file, so the
// close that follows writes there, succeeds, and releases the identifier properly. Only for a
// file that is being thrown away. Returns 0, or -1 if the file is not on the sec2 driver or no
// in-memory file could be made.
static inline int possum_h5f_detach_from_disk(hid_t file) {
#ifdef __linux__
    hid_t fapl = H5Fget_access_plist(file);
    if (fapl < 0) return -1;
    void *handle = NULL;
    herr_t rc = H5Pget_driver(fapl) == H5FD_SEC2 ? H5Fget_vfd_handle(file, fapl, &handle) : -1;
    H5Pclose(fapl);
    if (rc < 0 || handle == NULL) return -1;
    int fd = *(int *)handle;
    int scratch = (int)syscall(SYS_memfd_create, "possum-discarded-hdf5", 1u /* MFD_CLOEXEC */);
    if (scratch < 0) return -1;
    int ok = dup2(scratch, fd) >= 0 ? 0 : -1;
    close(scratch);
    if (ok == 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
    return ok;
#else
    (void)file;
    return -1;
#endif
}

#endif
