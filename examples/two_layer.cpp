// Your first network: a two-layer ReLU network learns y = sin(x), trained by hand.
#include <nabla/nabla.h>

#include <iostream>

int main() {
  nabla::manual_seed(0);
  auto x = nabla::linspace(-3, 3, 64).unsqueeze(1);  // 64 samples, 1 feature: [64, 1]
  auto y = x.sin();                                  // the targets
  auto w1 = nabla::randn({1, 32}, nabla::requires_grad());
  auto b1 = nabla::randn({32}, nabla::requires_grad());
  auto w2 = (0.1 * nabla::randn({32, 1})).requires_grad_();
  auto b2 = nabla::zeros({1}, nabla::requires_grad());
  for (int step = 0; step <= 500; ++step) {
    auto hidden = (x.mm(w1) + b1).relu();  // [64, 32]
    auto loss = (hidden.mm(w2) + b2 - y).pow(2).mean();
    loss.backward();  // fills w1.grad(), b1.grad(), ...
    {
      nabla::NoGradGuard no_grad;  // the update itself is not recorded
      for (auto p : {w1, b1, w2, b2}) {
        p -= 0.01 * p.grad();
        p.mutable_grad().zero_();
      }
    }
    if (step % 100 == 0) std::cout << "step " << step << "  loss " << loss.item<float>() << "\n";
  }
}
