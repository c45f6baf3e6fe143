// Eigen's HouseholderQR behind LAPACK's Fortran interface (dgeqrf_, dormqr_, dtrtrs_, dgels_), so possum-bench
// times it with `--lapack` like any LAPACK. Only what the bench calls: column-major, LP64, one right-hand
// side or more, SIDE = 'L', TRANS = 'T' for dormqr, UPLO = 'U', TRANS = 'N' for dtrtrs and dgels.
// Eigen stores its reflectors as LAPACK does (v₀ = 1 implied below the diagonal, H = I − τvvᵀ), so the
// bench's backward error forms Q from them with the system's dorgqr.
#include <Eigen/Dense>
#include <algorithm>
#include <cstring>

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using MatrixMap = Eigen::Map<Matrix, 0, Eigen::OuterStride<>>;
using VectorMap = Eigen::Map<Eigen::VectorXd>;

namespace {
// Workspace queries answer 1: Eigen allocates its own (a few vectors of length n), which the timing includes.
bool query(int lwork, double* work) {
    if (lwork == -1) { work[0] = 1; return true; }
    return false;
}

void factor(int m, int n, double* a, int lda, double* tau) {
    MatrixMap A(a, m, n, Eigen::OuterStride<>(lda));
    Eigen::HouseholderQR<Eigen::Ref<Matrix, 0, Eigen::OuterStride<>>> qr(A);  // in place: A holds R and V
    VectorMap(tau, std::min(m, n)) = qr.hCoeffs();
}

void applyQTranspose(int m, int nrhs, int k, double* a, int lda, double* tau, double* c, int ldc) {
    MatrixMap V(a, m, k, Eigen::OuterStride<>(lda));
    MatrixMap C(c, m, nrhs, Eigen::OuterStride<>(ldc));
    VectorMap t(tau, k);
    C.applyOnTheLeft(Eigen::householderSequence(V, t).transpose());
}

void solveUpper(int n, int nrhs, double* a, int lda, double* b, int ldb) {
    MatrixMap R(a, n, n, Eigen::OuterStride<>(lda));
    MatrixMap B(b, n, nrhs, Eigen::OuterStride<>(ldb));
    R.triangularView<Eigen::Upper>().solveInPlace(B);
}
}  // namespace

extern "C" {
const char* eigen_lapack_version() {
    static const char version[] = "Eigen " EIGEN_MAKESTRING(EIGEN_WORLD_VERSION) "." EIGEN_MAKESTRING(
        EIGEN_MAJOR_VERSION) "." EIGEN_MAKESTRING(EIGEN_MINOR_VERSION);
    return version;
}

void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work, const int* lwork,
             int* info) {
    *info = 0;
    if (query(*lwork, work)) return;
    factor(*m, *n, a, *lda, tau);
}

void dormqr_(const char* side, const char* trans, const int* m, const int* n, const int* k, double* a,
             const int* lda, double* tau, double* c, const int* ldc, double* work, const int* lwork, int* info,
             size_t, size_t) {
    *info = 0;
    if (query(*lwork, work)) return;
    if (*side != 'L' || *trans != 'T') { *info = -1; return; }
    applyQTranspose(*m, *n, *k, a, *lda, tau, c, *ldc);
}

void dtrtrs_(const char* uplo, const char* trans, const char* diag, const int* n, const int* nrhs, double* a,
             const int* lda, double* b, const int* ldb, int* info, size_t, size_t, size_t) {
    *info = 0;
    if (*uplo != 'U' || *trans != 'N' || *diag != 'N') { *info = -1; return; }
    for (int i = 0; i < *n; ++i)
        if (a[i + static_cast<long>(i) * *lda] == 0) { *info = i + 1; return; }
    solveUpper(*n, *nrhs, a, *lda, b, *ldb);
}

void dgels_(const char* trans, const int* m, const int* n, const int* nrhs, double* a, const int* lda, double* b,
            const int* ldb, double* work, const int* lwork, int* info, size_t) {
    *info = 0;
    if (query(*lwork, work)) return;
    if (*trans != 'N' || *m < *n) { *info = -1; return; }
    // Same as the bench's default lstsq: factor, Qᵀb, back substitution (Eigen's qr.solve does this too).
    int k = *n;
    double* tau = new double[std::max(k, 1)];
    factor(*m, *n, a, *lda, tau);
    applyQTranspose(*m, *nrhs, k, a, *lda, tau, b, *ldb);
    delete[] tau;
    solveUpper(*n, *nrhs, a, *lda, b, *ldb);
}
}
