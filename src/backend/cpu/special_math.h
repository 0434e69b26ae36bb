// Scalar special functions in double precision, for the elementwise functors (functors.h):
// digamma, trigamma, the Hurwitz zeta function and polygamma, whose algorithms are the Cephes
// library's, as PyTorch uses them (aten/src/ATen/native/Math.h), so that the results agree
// with PyTorch's to the last bits of float64; then the modified Bessel functions I0, I1, K0
// and K1 (Chebyshev series of our own, from scripts/fit_bessel.py), the Bessel functions J0,
// J1, Y0, Y1 (the C library's), erfcx and ndtri. Float inputs are computed in double and
// rounded.
#pragma once

#include <cmath>
#include <limits>

namespace nabla::special_math {

constexpr double kPi = 3.14159265358979323846;

/// c[0] x^n + c[1] x^(n-1) + ... + c[n].
inline double polevl(double x, const double* c, int n) {
  double r = c[0];
  for (int i = 1; i <= n; ++i) r = r * x + c[i];
  return r;
}

/// log|Gamma(x)|, thread-safe (glibc's lgamma writes the global signgam).
inline double lgamma(double x) {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}

/// psi(x): -inf at +0 (+inf at -0), NaN at the negative integers. Reflection below 0, the
/// recurrence psi(x) = psi(x + 1) - 1/x up to 10, then the asymptotic series.
inline double digamma(double x) {
  if (x == 0) return std::copysign(std::numeric_limits<double>::infinity(), -x);
  if (x < 0) {
    if (x == std::trunc(x)) return std::numeric_limits<double>::quiet_NaN();
    // tan(pi r) of the fractional part r is more accurate than tan(pi x).
    double whole = 0;
    const double r = std::modf(x, &whole);
    return digamma(1 - x) - kPi / std::tan(kPi * r);
  }
  double result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  if (x == 10) return result + 2.25175258906672110764;  // psi(10)
  static const double kA[] = {8.33333333333333333333E-2, -2.10927960927960927961E-2,
                              7.57575757575757575758E-3, -4.16666666666666666667E-3,
                              3.96825396825396825397E-3, -8.33333333333333333333E-3,
                              8.33333333333333333333E-2};
  double y = 0;
  if (x < 1.0e17) {
    const double z = 1 / (x * x);
    y = z * polevl(z, kA, 6);
  }
  return result + std::log(x) - 0.5 / x - y;
}

/// psi'(x): reflection below 1/2, six steps of the recurrence, then the asymptotic series.
inline double trigamma(double x) {
  double sign = 1, result = 0;
  if (x < 0.5) {
    sign = -1;
    const double s = std::sin(kPi * x);
    result -= kPi * kPi / (s * s);
    x = 1 - x;
  }
  for (int i = 0; i < 6; ++i) {
    result += 1 / (x * x);
    x += 1;
  }
  const double ixx = 1 / (x * x);
  result += (1 + 1 / (2 * x) + ixx * (1. / 6 - ixx * (1. / 30 - ixx * (1. / 42)))) / x;
  return sign * result;
}

/// The Hurwitz zeta function sum_k (k + q)^-x, for x > 1 (Euler-Maclaurin summation).
inline double zeta(double x, double q) {
  constexpr double kMachEp = 1.11022302462515654042E-16;
  static const double kA[] = {12.0,
                              -720.0,
                              30240.0,
                              -1209600.0,
                              47900160.0,
                              -1.8924375803183791606e9,
                              7.47242496e10,
                              -2.950130727918164224e12,
                              1.1646782814350067249e14,
                              -4.5979787224074726105e15,
                              1.8152105401943546773e17,
                              -7.1661652561756670113e18};
  // NaN in, the one quiet NaN out: left to the sums below, its sign would depend on the order
  // in which the compiler put each addition's operands (float16 and float32 disagreed).
  if (std::isnan(x) || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 1) return std::numeric_limits<double>::infinity();
  if (x < 1) return std::numeric_limits<double>::quiet_NaN();
  if (q <= 0) {
    if (q == std::trunc(q)) return std::numeric_limits<double>::infinity();
    if (x != std::trunc(x)) return std::numeric_limits<double>::quiet_NaN();
  }
  double s = std::pow(q, -x), a = q, b = 0;
  int i = 0;
  while (i < 9 || a <= 9.0) {
    i += 1;
    a += 1;
    b = std::pow(a, -x);
    s += b;
    if (-kMachEp * s < b && b < kMachEp * s) return s;
  }
  const double w = a;
  s += b * w / (x - 1);
  s -= 0.5 * b;
  a = 1;
  double k = 0;
  for (int j = 0; j < 12; ++j) {
    a *= x + k;
    b /= w;
    double t = a * b / kA[j];
    s += t;
    t = std::fabs(t / s);
    if (t < kMachEp) return s;
    k += 1;
    a *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

/// The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x) for n >= 2.
inline double polygamma(int n, double x) {
  if (n == 0) return digamma(x);
  if (n == 1) return trigamma(x);
  return ((n % 2) ? 1.0 : -1.0) * std::exp(lgamma(n + 1.0)) * zeta(n + 1.0, x);
}

/// sum_k c[k] T_k(t) for t in [-1, 1] (Clenshaw's recurrence), c lowest order first.
template <int N>
inline double chebyshev(const double (&c)[N], double t) {
  double b1 = 0, b2 = 0;
  for (int k = N - 1; k >= 1; --k) {
    const double b = 2 * t * b1 - b2 + c[k];
    b2 = b1;
    b1 = b;
  }
  return t * b1 - b2 + c[0];
}

// The scaled modified Bessel functions' series (scripts/fit_bessel.py prints them): on [0, 8]
// in t = x / 4 - 1, exp(-x) I0(x) and exp(-x) I1(x) / x; above 8 in t = 16 / x - 1,
// exp(-x) I0(x) sqrt(x) and exp(-x) I1(x) sqrt(x).
// 30 terms, largest relative error 3.9e-16 (in double arithmetic)
constexpr double kI0eSmall[] = {
    3.38397637204738033e-01,  -3.04682672343198402e-01, 1.71620901522208769e-01,
    -9.49010970480476390e-02, 4.93052842396707117e-02,  -2.37374148058994705e-02,
    1.05464603945949979e-02,  -4.32430999505057593e-03, 1.63947561694133574e-03,
    -5.76375574538582356e-04, 1.88502885095841649e-04,  -5.75419501008210397e-05,
    1.64484480707288956e-05,  -4.41673835845875052e-06, 1.11738753912010366e-06,
    -2.67079385394061193e-07, 6.04699502254191863e-08,  -1.30002500998624805e-08,
    2.65982372468238660e-09,  -5.18979560163526271e-10, 9.67580903537323697e-11,
    -1.72682629144155587e-11, 2.95505266312963988e-12,  -4.85644678311192896e-13,
    7.67618549860493607e-14,  -1.16853328779934514e-14, 1.71539128555513307e-15,
    -2.43127984654795490e-16, 3.33079451882223839e-17,  -4.41534164647933951e-18,
};
// 25 terms, largest relative error 1.3e-16 (in double arithmetic)
constexpr double kI0eLarge[] = {
    4.02245205507054393e-01,  3.36911647825569429e-03,  6.88975834691682454e-05,
    2.89137052083475665e-06,  2.04891858946906384e-07,  2.26666899049817804e-08,
    3.39623202570838651e-09,  4.94060238822497006e-10,  1.18891471078464390e-11,
    -3.14991652796324165e-11, -1.32158118404477133e-11, -1.79417853150680615e-12,
    7.18012445138366601e-13,  3.85277838274214259e-13,  1.54008621752140996e-14,
    -4.15056934728722224e-14, -9.55484669882830731e-15, 3.81168066935262240e-15,
    1.77256013305652631e-15,  -3.42548561967721900e-16, -2.82762398051658365e-16,
    3.46122286769746122e-17,  4.46562142029675975e-17,  -4.83050448594418188e-18,
    -7.23318048787475380e-18,
};
// 29 terms, largest relative error 1.9e-15 (in double arithmetic)
constexpr double kI1eSmall[] = {
    1.26293593221816824e-01,  -1.76416518357834062e-01, 1.02643658689847095e-01,
    -5.29459812080949888e-02, 2.47264490306265163e-02,  -1.05640848946261974e-02,
    4.15642294431288820e-03,  -1.51357245063125315e-03, 5.12285956168575759e-04,
    -1.61760815825896743e-04, 4.78156510755005422e-05,  -1.32731636560394359e-05,
    3.47025130813767845e-06,  -8.56872026469545475e-07, 2.00329475355213533e-07,
    -4.44505912879632805e-08, 9.38153738649577259e-09,  -1.88724975172282944e-09,
    3.62559028155211725e-10,  -6.66348972350202712e-11, 1.17361862988909012e-11,
    -1.98397439776494364e-12, 3.22379336594557476e-13,  -5.04218550472791179e-14,
    7.60068429473540767e-15,  -1.10559694773538625e-15, 1.55363195773620054e-16,
    -2.11142121435816596e-17, 2.77791411276104637e-18,
};
// 25 terms, largest relative error 9.9e-17 (in double arithmetic)
constexpr double kI1eLarge[] = {
    3.89288117509140053e-01,  -9.76109749136146870e-03, -1.10588938762623713e-04,
    -3.88256480887769059e-06, -2.51223623787020884e-07, -2.63146884688951959e-08,
    -3.83538038596423700e-09, -5.58974346219658378e-10, -1.89749581235054126e-11,
    3.25260358301548844e-11,  1.41258074366137819e-11,  2.03562854414708956e-12,
    -7.19855177624590836e-13, -4.08355111109219740e-13, -2.10154184277266430e-14,
    4.27244001671195105e-14,  1.04202769841288021e-14,  -3.81440307243700754e-15,
    -1.88035477551078251e-15, 3.30820231092092852e-16,  2.96262899764595008e-16,
    -3.20952592199342376e-17, -4.65030536848935863e-17, 4.41434832307170765e-18,
    7.51729631084210521e-18,
};

/// exp(-|x|) I0(x): I0 without its exponential growth (0 at +-inf).
inline double i0e(double x) {
  const double a = std::fabs(x);
  if (a <= 8) return chebyshev(kI0eSmall, a / 4 - 1);
  if (std::isinf(a)) return 0;
  return chebyshev(kI0eLarge, 16 / a - 1) / std::sqrt(a);  // NaN stays NaN
}
/// The modified Bessel function of the first kind, order 0 (even; +inf at +-inf).
inline double i0(double x) {
  if (std::isinf(x)) return std::numeric_limits<double>::infinity();
  return std::exp(std::fabs(x)) * i0e(x);
}
/// exp(-|x|) I1(x) (odd, as I1; +-0 at +-inf).
inline double i1e(double x) {
  const double a = std::fabs(x);
  double r;
  if (a <= 8) {
    r = chebyshev(kI1eSmall, a / 4 - 1) * a;
  } else if (std::isinf(a)) {
    r = 0;
  } else {
    r = chebyshev(kI1eLarge, 16 / a - 1) / std::sqrt(a);
  }
  return x < 0 ? -r : r;
}
/// The modified Bessel function of the first kind, order 1 (odd; +-inf at +-inf).
inline double i1(double x) {
  if (std::isinf(x)) return x;
  return std::exp(std::fabs(x)) * i1e(x);
}

// The modified Bessel functions of the second kind (scripts/fit_bessel.py prints the series):
// on (0, 2] in t = x^2 / 2 - 1, K0(x) + log(x / 2) I0(x) and x K1(x) - x log(x / 2) I1(x), the
// parts left without the logarithm (series in x^2); above 2 in t = 4 / x - 1, exp(x) K0(x)
// sqrt(x) and exp(x) K1(x) sqrt(x). K0 and K1 are +inf at 0 and NaN below it.
// 10 terms, largest relative error 1.4e-12 (in double arithmetic)
constexpr double kK0Small[] = {
    -2.67663696616951385e-01, 3.44289899924628495e-01, 3.59799365153615006e-02,
    1.26461541144692598e-03,  2.28621210311945192e-05, 2.53479107902614939e-07,
    1.90451637722020905e-09,  1.03496952576336253e-11, 4.25981614279108258e-14,
    1.37446543588075084e-16,
};
// 24 terms, largest relative error 1.1e-16 (in double arithmetic)
constexpr double kK0eLarge[] = {
    1.22015154103297774e+00,  -3.14481013119645020e-02, 1.56988388573005332e-03,
    -1.28495495816278017e-04, 1.39498137188765002e-05,  -1.83175552271911953e-06,
    2.76681363944501486e-07,  -4.66048989768794783e-08, 8.57403401741422527e-09,
    -1.69753450938906142e-09, 3.57739728140032832e-10,  -7.95748924447739648e-11,
    1.85594911495492645e-11,  -4.51459788337451925e-12, 1.14034058820734414e-12,
    -2.98009692314817842e-13, 8.03289077506837463e-14,  -2.22751332674629647e-14,
    6.34007647627664606e-15,  -1.84859337792090710e-15, 5.51205599940433350e-16,
    -1.67823112575490059e-16, 5.21039177764355432e-17,  -1.64758059398426321e-17,
};
// 10 terms, largest relative error 4.6e-16 (in double arithmetic)
constexpr double kK1Small[] = {
    7.62650113669473884e-01,  -3.53155960776544875e-01, -1.22611180822657151e-01,
    -6.97572385963986415e-03, -1.73028895751305199e-04, -2.43340614156596836e-06,
    -2.21338763073472599e-08, -1.41148839263352781e-10, -6.66690169419932948e-13,
    -2.42744985051936596e-15,
};
// 24 terms, largest relative error 1.1e-16 (in double arithmetic)
constexpr double kK1eLarge[] = {
    1.36031309524222133e+00,  1.03923736576817236e-01,  -2.85781685962277921e-03,
    1.95215518471351620e-04,  -1.93619797416608301e-05, 2.40648494783721699e-06,
    -3.50196060308781256e-07, 5.74108412545004947e-08,  -1.03457624656780968e-08,
    2.01504975519703466e-09,  -4.19035475934192542e-10, 9.21831518760531460e-11,
    -2.12996783842779092e-11, 5.13963967348234321e-12,  -1.28917396094982285e-12,
    3.34841966605224312e-13,  -8.97670518201014629e-14, 2.47715442421959878e-14,
    -7.01983708921476847e-15, 2.03870316623986097e-15,  -6.05704727064301766e-16,
    1.83809357524304548e-16,  -5.68946284919364841e-17, 1.79405104788635718e-17,
};

/// exp(x) K0(x): K0 without its exponential decay (0 at +inf).
inline double k0e(double x) {
  if (!(x > 0)) return x == 0 ? std::numeric_limits<double>::infinity() : std::nan("");
  if (x <= 2) return (chebyshev(kK0Small, x * x / 2 - 1) - std::log(x / 2) * i0(x)) * std::exp(x);
  if (std::isinf(x)) return 0;
  return chebyshev(kK0eLarge, 4 / x - 1) / std::sqrt(x);
}
/// The modified Bessel function of the second kind, order 0.
inline double k0(double x) {
  if (x > 0 && x <= 2) return chebyshev(kK0Small, x * x / 2 - 1) - std::log(x / 2) * i0(x);
  return k0e(x) * std::exp(-x);  // 0 from ~745 on, where exp(-x) underflows
}
/// exp(x) K1(x).
inline double k1e(double x) {
  if (!(x > 0)) return x == 0 ? std::numeric_limits<double>::infinity() : std::nan("");
  if (x <= 2)
    return (chebyshev(kK1Small, x * x / 2 - 1) / x + std::log(x / 2) * i1(x)) * std::exp(x);
  if (std::isinf(x)) return 0;
  return chebyshev(kK1eLarge, 4 / x - 1) / std::sqrt(x);
}
/// The modified Bessel function of the second kind, order 1.
inline double k1(double x) {
  if (x > 0 && x <= 2) return chebyshev(kK1Small, x * x / 2 - 1) / x + std::log(x / 2) * i1(x);
  return k1e(x) * std::exp(-x);
}

// The Bessel functions of the first and second kind of orders 0 and 1 are the C library's
// (glibc's j0, j1, y0, y1, from Sun's fdlibm): against mpmath, absolute error below 1.4e-16
// for J0 and J1 on [0, 1e20], relative error below 1e-14 for Y0 and Y1 away from their zeros.
// At +-inf they are 0, their limit; Y0 and Y1 are -inf at 0 and NaN below.
inline double bessel_j0(double x) { return ::j0(x); }
inline double bessel_j1(double x) { return ::j1(x); }
inline double bessel_y0(double x) { return ::y0(x); }
inline double bessel_y1(double x) { return ::y1(x); }
/// The spherical Bessel function of the first kind, order 0: sin(x) / x (1 at 0, 0 at +-inf).
inline double spherical_bessel_j0(double x) {
  if (x == 0) return 1;
  if (std::isinf(x)) return 0;
  return std::sin(x) / x;
}

// ---- Airy's function Ai (scripts/fit_bessel.py prints the series). With zeta = 2/3 |x|^(3/2):
// on [-8, 1] Ai itself in t = (2 x + 7) / 9; above 1, 2 sqrt(pi) x^(1/4) e^zeta Ai(x) in
// t = 2 x^(-3/2) - 1; below -8 the modulus-phase form Ai(x) = (sin(zeta + pi/4) f - cos(zeta +
// pi/4) g) / (sqrt(pi) |x|^(1/4)), f and zeta g in t = 2 (8 / |x|)^(3/2) - 1. ----
// 42 terms, largest relative error 3.0e-15 (in double arithmetic)
constexpr double kAiryMiddle[] = {
    1.29003920852489518e-01,  1.20606030209403553e-01,  7.60006501846679922e-02,
    -1.14562612718611317e-01, -1.38810671662550150e-01, -2.96506856140576064e-02,
    2.53931446147785227e-02,  2.03627999758979217e-01,  -1.28064145615206987e-01,
    -8.68639010098559705e-02, 1.05109450099426363e-01,  -9.79466931920184442e-03,
    -3.00199869963584283e-02, 1.38158592428196531e-02,  2.12205977822167843e-03,
    -3.52891434243283141e-03, 7.49080848563338469e-04,  3.41726511494333583e-04,
    -2.11221304065200064e-04, 1.46258886861708320e-05,  2.19034519000538832e-05,
    -7.51720594153566115e-06, -3.51020140810403597e-07, 8.24075894370710202e-07,
    -1.70011419341800384e-07, -3.00725335614849132e-08, 2.07241326026668932e-08,
    -2.42328796173024328e-09, -9.53487935732489925e-10, 3.72495890734976081e-10,
    -1.73964975719139388e-11, -1.93558306099677157e-11, 4.97324162509267134e-12,
    9.19613273681634555e-14,  -2.85282286030932715e-13, 5.02741795057776726e-14,
    4.56281761849409677e-15,  -3.23352781501168451e-15, 3.83845627357333138e-16,
    7.28307243477642419e-17,  -2.91471940419196940e-17, 2.11329378893924560e-18,
};
// 38 terms, largest relative error 8.5e-17 (in double arithmetic)
constexpr double kAiryPositive[] = {
    9.63768360984968875e-01,  -3.24160001944859277e-02, 3.19412396136958343e-03,
    -4.94225405033015745e-04, 9.70651794254659466e-05,  -2.22444451120029800e-05,
    5.69483898792034297e-06,  -1.58683970390298680e-06, 4.73116099116600254e-07,
    -1.49146792685371248e-07, 4.92820123945434682e-08,  -1.69559486608279141e-08,
    6.04332245918630240e-09,  -2.22208624859797660e-09, 8.40080833010141304e-10,
    -3.25649804979001676e-10, 1.29133381281874955e-10,  -5.22787219141949572e-11,
    2.15711201805596852e-11,  -9.05822190980450398e-12, 3.86614271817948941e-12,
    -1.67527740939030559e-12, 7.36266363413378621e-13,  -3.27895530789883603e-13,
    1.47856938738976872e-13,  -6.74592722770989945e-14, 3.11209846798557302e-14,
    -1.45084419860074116e-14, 6.83141656731561196e-15,  -3.24720755685844882e-15,
    1.55748183415504702e-15,  -7.53476283451668038e-16, 3.67522340228383591e-16,
    -1.80680710633734149e-16, 8.94975618550186044e-17,  -4.46528818390057014e-17,
    2.24338193599912753e-17,  -1.13463752544101532e-17,
};
// 11 terms, largest relative error 9.5e-17 (in double arithmetic)
constexpr double kAiryNegativeF[] = {
    9.99939104948865065e-01,  -8.11142556502200787e-05, -2.01602163792331381e-05,
    6.70650107285295392e-08,  7.95815438005341678e-09,  -1.27688997669945220e-10,
    -8.57673313498550921e-12, 4.05925186019703614e-13,  1.21744338681676877e-14,
    -1.74591363498081820e-15, 1.46261856279910057e-17,
};
// 13 terms, largest relative error 1.9e-16 (in double arithmetic)
constexpr double kAiryNegativeZetaG[] = {
    6.93824309147885593e-02,  -8.25272538423282110e-05, -2.03967272524235682e-05,
    1.32684303589450770e-07,  1.53426717308870135e-08,  -3.69061488806679196e-10,
    -2.28987646041561341e-11, 1.50596580167042025e-12,  3.33336978373452859e-14,
    -7.63791564739663680e-15, 1.57774859904202443e-16,  3.91202777415154738e-17,
    -3.40201479806995475e-18,
};

/// zeta = 2/3 z^(3/2) as hi + lo, to about 2^-100 relative: zeta's rounding in one double would
/// shift the phase of Ai's oscillation (or the exponent of its decay) by zeta * 2^-53, 2e-13 at
/// z = 100 and a whole period from z = 1e11 on.
struct AiryZeta {
  double hi, lo;
};
inline AiryZeta airy_zeta(double z) {
  const double r = std::sqrt(z);
  const double r_lo = std::fma(-r, r, z) / (2 * r);  // sqrt(z) = r + r_lo
  const double p = z * r;
  const double p_lo = std::fma(z, r, -p) + z * r_lo;  // z^(3/2) = p + p_lo
  const double q = 2 * p / 3;
  return {q, (std::fma(-q, 3, 2 * p) + 2 * p_lo) / 3};  // the division's remainder is exact
}
/// Airy's function of the first kind Ai(x), the solution of y'' = x y that decays as x -> +inf
/// (0 at +-inf, the limit; below 1e-323 from x = 108 on).
inline double airy_ai(double x) {
  constexpr double kSqrtPi = 1.77245385090551602730;
  if (std::isnan(x)) return x;
  if (x >= -8 && x <= 1) return chebyshev(kAiryMiddle, (2 * x + 7) / 9);
  if (x > 128) return 0;  // e^-zeta underflows
  if (x > 1) {
    const AiryZeta zeta = airy_zeta(x);
    const double decay = std::exp(-zeta.hi) * (1 - zeta.lo);  // zeta.lo < 1e-13
    return chebyshev(kAiryPositive, 2 / (x * std::sqrt(x)) - 1) * decay /
           (2 * kSqrtPi * std::sqrt(std::sqrt(x)));
  }
  const double z = -x;
  // Beyond 1e200 the envelope 1 / (sqrt(pi) z^(1/4)) is below 1e-50 (and z^(3/2) overflows).
  if (z > 1e200) return 0;
  const AiryZeta zeta = airy_zeta(z);
  const double sin_zeta =
      std::sin(zeta.hi) * std::cos(zeta.lo) + std::cos(zeta.hi) * std::sin(zeta.lo);
  const double cos_zeta =
      std::cos(zeta.hi) * std::cos(zeta.lo) - std::sin(zeta.hi) * std::sin(zeta.lo);
  const double t = 2 * (8 / z) * std::sqrt(8 / z) - 1;
  const double f = chebyshev(kAiryNegativeF, t);
  const double g = chebyshev(kAiryNegativeZetaG, t) / (zeta.hi + zeta.lo);
  // sin(zeta + pi/4) = (sin zeta + cos zeta) / sqrt 2, cos(zeta + pi/4) = (cos zeta - sin zeta) /
  // sqrt 2
  return ((sin_zeta + cos_zeta) * f - (cos_zeta - sin_zeta) * g) /
         (std::sqrt(2 * kPi) * std::sqrt(std::sqrt(z)));
}

// ---- The regularized incomplete gamma functions P(a, x) = gamma(a, x) / Gamma(a) and
// Q(a, x) = 1 - P(a, x). P's power series below x = a + 1, Q's continued fraction above (both
// converge in O(sqrt(a)) steps near x = a), each scaled by x^a e^-x / Gamma(a + 1) computed
// without cancellation; for a above 1e7, Temme's uniform asymptotic expansion to its first
// correction (error O(a^-3/2), below 1e-14 there) ----
namespace igamma_detail {

// log(1 + t) - t, without the cancellation of log1p(t) - t for small t.
inline double log1pmx(double t) {
  if (std::fabs(t) >= 0.5) return std::log1p(t) - t;
  double power = t, sum = 0;  // -t^2/2 + t^3/3 - ...
  for (int k = 2; k < 100; ++k) {
    power *= -t;
    const double term = power / k;
    sum += term;
    if (std::fabs(term) <= 1e-17 * std::fabs(sum)) break;
  }
  return sum;
}

// lgamma(a + 1) - ((a + 1/2) log a - a + log(2 pi) / 2), Stirling's series, for a >= 10.
inline double stirling_error(double a) {
  const double r = 1 / a, r2 = r * r;
  return r *
         (1.0 / 12 -
          r2 * (1.0 / 360 -
                r2 * (1.0 / 1260 -
                      r2 * (1.0 / 1680 - r2 * (1.0 / 1188 - r2 * (691.0 / 360360 - r2 / 156))))));
}

// x^a e^-x / Gamma(a + 1), for a > 0 and x > 0.
inline double power_term(double a, double x) {
  if (a < 10) return std::exp(a * std::log(x) - x - lgamma(a + 1));
  // x^a e^-x / Gamma(a + 1) = exp(a (log1p(t) - t) - stirling_error(a)) / sqrt(2 pi a),
  // t = (x - a) / a: the large terms a log x and x cancel analytically, not in rounding.
  // log(1 + t) as log(x / a) away from t = 0: near x = 0, 1 + t would carry t's rounding.
  const double t = (x - a) / a;
  const double log_term = std::fabs(t) < 0.5 ? log1pmx(t) : std::log(x / a) - t;
  return std::exp(a * log_term - stirling_error(a)) / std::sqrt(2 * kPi * a);
}

// P(a, x) = x^a e^-x / Gamma(a + 1) (1 + x / (a + 1) + x^2 / ((a + 1)(a + 2)) + ...).
// Both loops converge within O(sqrt(a)) steps (a is at most 1e7 here: ~3e4); the bound of a
// million only guards against a case that would not.
constexpr int kMaxIgammaSteps = 1000000;

inline double lower_series(double a, double x) {
  double term = 1, sum = 1;
  for (int n = 1; n < kMaxIgammaSteps; ++n) {
    term *= x / (a + n);
    sum += term;
    if (term <= 1e-17 * sum) break;
  }
  return power_term(a, x) * sum;
}

// Q(a, x) = x^a e^-x / Gamma(a) / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...)),
// evaluated by Lentz's method.
inline double upper_fraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i < kMaxIgammaSteps; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double step = d * c;
    h *= step;
    // Two ulps: where x is so large that b + 2 rounds to b, each step is the same number
    // within an ulp or two of 1, forever.
    if (std::fabs(step - 1) <= 4.5e-16) break;
  }
  return power_term(a, x) * a * h;
}

// Temme: Q(a, x) = erfc(eta sqrt(a / 2)) / 2 + exp(-a eta^2 / 2) / sqrt(2 pi a) C0(eta) +
// O(a^-3/2), lambda = x / a, eta^2 / 2 = lambda - 1 - log(lambda) (eta with the sign of
// lambda - 1), C0 = 1 / (lambda - 1) - 1 / eta (-1/3 + (lambda - 1) / 12 near lambda = 1);
// P the same with erfc(-eta sqrt(a / 2)) and the correction subtracted, so that neither is
// taken as 1 minus the other.
inline double asymptotic(double a, double x, bool upper) {
  const double mu = (x - a) / a;
  const double half_eta2 = -log1pmx(mu);
  const double eta = std::copysign(std::sqrt(2 * half_eta2), mu);
  const double c0 = std::fabs(mu) < 1e-5 ? -1.0 / 3 + mu / 12 : 1 / mu - 1 / eta;
  const double correction = std::exp(-a * half_eta2) / std::sqrt(2 * kPi * a) * c0;
  const double z = eta * std::sqrt(a / 2);
  return upper ? 0.5 * std::erfc(z) + correction : 0.5 * std::erfc(-z) - correction;
}

// P(a, x) (upper = false) or Q(a, x) (upper = true), edges as PyTorch has them.
inline double incomplete_gamma(double a, double x, bool upper) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(a) || std::isnan(x) || a < 0 || x < 0) return kNaN;
  double p;  // P(a, x), unless returned directly
  if (a == 0) {
    if (x == 0) return kNaN;
    p = 1;
  } else if (x == 0) {
    p = 0;
  } else if (std::isinf(a)) {
    if (std::isinf(x)) return kNaN;
    p = 0;
  } else if (std::isinf(x)) {
    p = 1;
  } else if (a > 1e7) {
    return asymptotic(a, x, upper);
  } else if (x < a + 1) {
    p = lower_series(a, x);
  } else {
    const double q = upper_fraction(a, x);
    return upper ? q : 1 - q;
  }
  return upper ? 1 - p : p;
}

}  // namespace igamma_detail

/// P(a, x), the regularized lower incomplete gamma function (torch.special.gammainc).
inline double gammainc(double a, double x) { return igamma_detail::incomplete_gamma(a, x, false); }
/// Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function.
inline double gammaincc(double a, double x) { return igamma_detail::incomplete_gamma(a, x, true); }

/// exp(x^2) for |x| below ~26.6: x^2 split into its rounded value and the rounding error (an
/// FMA gives it exactly), so that the error of x * x (up to 7e-14 relative at x = 26, after the
/// exponential) does not reach the result.
inline double exp_of_square(double x) {
  const double square = x * x, error = std::fma(x, x, -square);
  return std::exp(square) * std::exp(error);
}
/// The scaled complementary error function exp(x^2) erfc(x): finite where erfc underflows, so
/// that log(erfc(x)) can be taken far into the tail (log_ndtr). Below 25 from erfc itself (which
/// is accurate to its last bits there); above, the asymptotic series 1 / (x sqrt(pi)) (1 - 1 / (2
/// x^2) + 3 / (2 x^2)^2 - ...), whose 12 terms leave a relative error below 1e-19 at x = 25;
/// for x < 0, 2 exp(x^2) - erfcx(-x) (+inf below about -26.6, where exp(x^2) overflows).
inline double erfcx(double x) {
  if (x < -26.7) return std::numeric_limits<double>::infinity();  // and -inf (fma gives NaN)
  if (x < 0) return 2 * exp_of_square(x) - erfcx(-x);
  if (x < 25) return exp_of_square(x) * std::erfc(x);
  const double inverse = 1 / (2 * x * x);  // NaN and +inf also land here: NaN and 0
  double term = 1, sum = 1;
  for (int n = 1; n <= 12; ++n) {
    term *= -(2 * n - 1) * inverse;
    sum += term;
  }
  return sum / (x * std::sqrt(kPi));
}

/// The standard normal distribution's CDF, 0.5 erfc(-x / sqrt 2): relative accuracy in both
/// tails (1 + erf would round to 0 below about -8).
inline double ndtr(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752440); }

/// The inverse of ndtr: the x with ndtr(x) = p, for p in [0, 1] (-inf at 0, +inf at 1, NaN
/// outside). A start from Abramowitz and Stegun 26.2.23 (error below 4.5e-4), then Halley's
/// iteration on a residual that has no cancellation: within 0.25 of 1/2, erf(x / sqrt 2) / 2 -
/// (p - 1/2) (p - 1/2 is exact there, so ndtri(0.5 + 1e-16) keeps its digits); in the tails,
/// ndtr(x) - p with ndtr from erfc, so that p = 1e-300 is inverted as precisely as p = 0.3
/// (sqrt(2) erfinv(2p - 1) loses every digit below p = 1e-16, where 2p - 1 rounds to -1). Above
/// 1/2 the upper tail is the lower one mirrored, 1 - p being exact there.
inline double ndtri(double p) {
  if (!(p >= 0 && p <= 1)) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0) return -std::numeric_limits<double>::infinity();
  if (p == 1) return std::numeric_limits<double>::infinity();
  if (p == 0.5) return 0;
  const bool upper = p > 0.5, central = p >= 0.25 && p <= 0.75;
  const double q = upper ? 1 - p : p;  // the lower tail's probability
  const double t = std::sqrt(-2 * std::log(q));
  double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                       (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  if (upper) x = -x;
  constexpr double kSqrt2Pi = 2.50662827463100050242, kSqrtHalf = 0.70710678118654752440;
  for (int i = 0; i < 6; ++i) {
    const double density = std::exp(-0.5 * x * x) / kSqrt2Pi;
    // For p below ~1e-306 the density is subnormal, too coarse to divide by: keep the estimate.
    if (density < std::numeric_limits<double>::min()) break;
    const double residual = central ? 0.5 * std::erf(x * kSqrtHalf) - (p - 0.5)
                                    : (upper ? q - 0.5 * std::erfc(x * kSqrtHalf) : ndtr(x) - p);
    const double step = residual / density;
    x -= step / (1 + 0.5 * x * step);
    if (std::fabs(step) <= 1e-16 * std::fabs(x)) break;
  }
  return x;
}

}  // namespace nabla::special_math
