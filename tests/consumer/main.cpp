// A tiny nabla program: the packaging tests build it against an installed nabla, a source tree
// and pkg-config, then run it. It prints "consumer ok" when the library works.
#include <nabla/nabla.h>

#include <iostream>

int main() {
  auto a = nabla::tensor({1.0, 2.0, 3.0}, nabla::requires_grad(true));
  auto b = nabla::tensor({4.0, 5.0, 6.0});
  auto c = a * b + a;
  c.backward(nabla::ones({3}));
  const float grad = a.grad()[2].item<float>();
  if (grad != 7.0f) {
    std::cerr << "expected d(a*b + a)/da = 7 at index 2, got " << grad << "\n";
    return 1;
  }
  try {
    nabla::ones({3}) + nabla::ones({4});
    std::cerr << "mismatched shapes did not raise nabla::Error\n";
    return 1;
  } catch (const nabla::Error& e) {
    std::cout << "caught: " << e.what() << "\n";
  }
  std::cout << "consumer ok\n";
  return 0;
}
