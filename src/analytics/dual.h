// Forward-mode automatic differentiation: a value with its gradient in N parameters.
//
// The likelihoods in this module are written once as templates over the scalar type; evaluated
// on Dual<N> they return the log-likelihood and its exact gradient in one pass, which lets the
// optimiser use gradient methods (L-BFGS) instead of hundreds of derivative-free evaluations.
#ifndef RETAIN_ANALYTICS_DUAL_H_
#define RETAIN_ANALYTICS_DUAL_H_

#include <array>
#include <cmath>
#include <cstddef>

#include <boost/math/special_functions/digamma.hpp>

namespace retain::analytics {

template <size_t N>
struct Dual {
  double v = 0;
  std::array<double, N> d{};

  Dual() = default;
  Dual(double value) : v(value) {}  // NOLINT: a constant lifts implicitly, as in the formulas
  // The i-th parameter itself: value `value`, derivative 1 in direction i.
  static Dual Variable(double value, size_t i) {
    Dual x(value);
    x.d[i] = 1;
    return x;
  }

  Dual& operator+=(const Dual& o) {
    v += o.v;
    for (size_t i = 0; i < N; ++i) d[i] += o.d[i];
    return *this;
  }
  Dual& operator-=(const Dual& o) {
    v -= o.v;
    for (size_t i = 0; i < N; ++i) d[i] -= o.d[i];
    return *this;
  }
  Dual& operator*=(const Dual& o) {
    for (size_t i = 0; i < N; ++i) d[i] = d[i] * o.v + v * o.d[i];
    v *= o.v;
    return *this;
  }
  Dual& operator/=(const Dual& o) {
    double inv = 1 / o.v;
    double q = v * inv;
    for (size_t i = 0; i < N; ++i) d[i] = (d[i] - q * o.d[i]) * inv;
    v = q;
    return *this;
  }
};

// The value of a plain double or of a dual number, for branching on magnitudes.
inline double Value(double x) { return x; }
template <size_t N>
double Value(const Dual<N>& x) {
  return x.v;
}

// Applies f with f(v) and f'(v) to a dual number.
template <size_t N>
Dual<N> Chain(const Dual<N>& x, double fv, double dfv) {
  Dual<N> r(fv);
  for (size_t i = 0; i < N; ++i) r.d[i] = dfv * x.d[i];
  return r;
}

template <size_t N> Dual<N> operator+(Dual<N> a, const Dual<N>& b) { return a += b; }
template <size_t N> Dual<N> operator-(Dual<N> a, const Dual<N>& b) { return a -= b; }
template <size_t N> Dual<N> operator*(Dual<N> a, const Dual<N>& b) { return a *= b; }
template <size_t N> Dual<N> operator/(Dual<N> a, const Dual<N>& b) { return a /= b; }
template <size_t N> Dual<N> operator+(Dual<N> a, double b) { a.v += b; return a; }
template <size_t N> Dual<N> operator+(double a, Dual<N> b) { b.v += a; return b; }
template <size_t N> Dual<N> operator-(Dual<N> a, double b) { a.v -= b; return a; }
template <size_t N> Dual<N> operator-(double a, const Dual<N>& b) { return Dual<N>(a) - b; }
template <size_t N> Dual<N> operator-(Dual<N> a) {
  a.v = -a.v;
  for (auto& x : a.d) x = -x;
  return a;
}
template <size_t N> Dual<N> operator*(Dual<N> a, double b) {
  a.v *= b;
  for (auto& x : a.d) x *= b;
  return a;
}
template <size_t N> Dual<N> operator*(double a, Dual<N> b) { return b * a; }
template <size_t N> Dual<N> operator/(Dual<N> a, double b) { return a * (1 / b); }
template <size_t N> Dual<N> operator/(double a, const Dual<N>& b) { return Dual<N>(a) / b; }
template <size_t N> bool operator<(const Dual<N>& a, const Dual<N>& b) { return a.v < b.v; }

template <size_t N> Dual<N> log(const Dual<N>& x) { return Chain(x, std::log(x.v), 1 / x.v); }
template <size_t N> Dual<N> exp(const Dual<N>& x) {
  double e = std::exp(x.v);
  return Chain(x, e, e);
}
template <size_t N> Dual<N> expm1(const Dual<N>& x) {
  return Chain(x, std::expm1(x.v), std::exp(x.v));
}
template <size_t N> Dual<N> log1p(const Dual<N>& x) {
  return Chain(x, std::log1p(x.v), 1 / (1 + x.v));
}
template <size_t N> Dual<N> sqrt(const Dual<N>& x) {
  double s = std::sqrt(x.v);
  return Chain(x, s, 0.5 / s);
}
template <size_t N> Dual<N> lgamma(const Dual<N>& x) {
  return Chain(x, std::lgamma(x.v), boost::math::digamma(x.v));
}

// log(e^a + e^b) without overflow; -inf + -inf stays -inf.
template <typename S>
S LogAddExp(const S& a, const S& b) {
  using std::exp;
  using std::log1p;
  if (Value(a) == -INFINITY) return b;
  if (Value(b) == -INFINITY) return a;
  return Value(a) > Value(b) ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

// log(e^a - e^b) for a >= b; -inf when they are equal.
template <typename S>
S LogSubExp(const S& a, const S& b) {
  using std::exp;
  using std::expm1;
  using std::log;
  using std::log1p;
  if (Value(b) == -INFINITY) return a;
  if (!(Value(a) > Value(b))) return S(-INFINITY);
  double diff = Value(b) - Value(a);
  // log(1 - e^d) is computed two ways for accuracy, as in Mächler's note on log1mexp.
  if (diff > -0.6931471805599453) return a + log(-expm1(b - a));
  return a + log1p(-exp(b - a));
}

// log B(a, b), the log of the beta function.
template <typename S>
S LogBeta(const S& a, const S& b) {
  using std::lgamma;
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_DUAL_H_
