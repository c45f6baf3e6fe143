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

#endif
