// LibTorch's DCGAN example (pytorch/examples cpp/dcgan) in its own shape, scaled down to run in
// seconds: a generator of ConvTranspose2d + BatchNorm2d + ReLU layers ending in Tanh (a
// TORCH_MODULE with its options classes), a discriminator as an nn::Sequential of Conv2d +
// LeakyReLU + BatchNorm2d ending in Sigmoid, binary_cross_entropy, and two Adam optimizers,
// trained on synthetic 28x28 images (a bright square whose position varies) for a few dozen
// steps. The example draws its noise with torch::randn; here it is a fixed pattern, so that
// LibTorch and nabla see the same numbers and their losses can be compared step for step (for
// the first five steps; see below). It checks that the losses stay finite, that the
// discriminator's loss falls and that the generated images move toward the real ones.
#ifdef NABLA_PROGRAM_LIBTORCH
#include <torch/torch.h>
#else
#include <nabla/torch.h>
#endif

#include <cmath>
#include <cstdint>
#include <cstdio>

// The size of the noise vector fed to the generator.
const int64_t kNoiseSize = 16;
const int64_t kBatchSize = 16;
const int64_t kNumberOfSteps = 40;
const int64_t kLogInterval = 5;
const int64_t kCompareSteps = 5;  // steps whose losses LibTorch's must match

struct DCGANGeneratorImpl : torch::nn::Module {
  DCGANGeneratorImpl(int64_t noise_size)
      : conv1(torch::nn::ConvTranspose2dOptions(noise_size, 32, 4).bias(false)),
        batch_norm1(32),
        conv2(torch::nn::ConvTranspose2dOptions(32, 16, 3).stride(2).padding(1).bias(false)),
        batch_norm2(16),
        conv3(torch::nn::ConvTranspose2dOptions(16, 8, 4).stride(2).padding(1).bias(false)),
        batch_norm3(8),
        conv4(torch::nn::ConvTranspose2dOptions(8, 1, 4).stride(2).padding(1).bias(false)) {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("conv3", conv3);
    register_module("conv4", conv4);
    register_module("batch_norm1", batch_norm1);
    register_module("batch_norm2", batch_norm2);
    register_module("batch_norm3", batch_norm3);
  }

  // [N, noise, 1, 1] -> [N, 32, 4, 4] -> [N, 16, 7, 7] -> [N, 8, 14, 14] -> [N, 1, 28, 28]
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(batch_norm1(conv1(x)));
    x = torch::relu(batch_norm2(conv2(x)));
    x = torch::relu(batch_norm3(conv3(x)));
    x = torch::tanh(conv4(x));
    return x;
  }

  torch::nn::ConvTranspose2d conv1;
  torch::nn::BatchNorm2d batch_norm1;
  torch::nn::ConvTranspose2d conv2;
  torch::nn::BatchNorm2d batch_norm2;
  torch::nn::ConvTranspose2d conv3;
  torch::nn::BatchNorm2d batch_norm3;
  torch::nn::ConvTranspose2d conv4;
};

TORCH_MODULE(DCGANGenerator);

// [N, 1, 28, 28] -> [N, 8, 14, 14] -> [N, 16, 7, 7] -> [N, 32, 3, 3] -> [N, 1, 1, 1]
torch::nn::Sequential make_discriminator() {
  return torch::nn::Sequential(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 8, 4).stride(2).padding(1).bias(false)),
      torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)),
      torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 16, 4).stride(2).padding(1).bias(false)),
      torch::nn::BatchNorm2d(16),
      torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)),
      torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 4).stride(2).padding(1).bias(false)),
      torch::nn::BatchNorm2d(32),
      torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)),
      torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 1, 3).stride(1).padding(0).bias(false)),
      torch::nn::Sigmoid());
}

// The same starting weights in every library: a fixed pattern instead of random numbers
// (BatchNorm's weights stay ones and biases zeros, as both libraries create them).
void deterministic_init(torch::nn::Module& model, double phase) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.named_parameters()) {
    if (p.key().find("conv") == std::string::npos && p.value().dim() == 1) continue;
    auto pattern = torch::sin(torch::arange(p.value().numel()).to(torch::kFloat) * 0.37 + phase);
    p.value().copy_(pattern.reshape(p.value().sizes()) * 0.1);
    phase += 1;
  }
}

// Real images [N, 1, 28, 28] in [-1, 1] (the example normalizes MNIST with mean and std 0.5):
// a bright 8x8 square on a dark ground, at a position that moves with the step and image.
torch::Tensor real_batch(int64_t step) {
  auto images = torch::full({kBatchSize, 1, 28, 28}, -1.0);
  for (int64_t i = 0; i < kBatchSize; ++i) {
    const int64_t row = 4 + (step + 3 * i) % 14, col = 4 + (2 * step + 5 * i) % 14;
    images[i][0].slice(0, row, row + 8).slice(1, col, col + 8).fill_(1.0);
  }
  return images;
}

// Noise [N, kNoiseSize, 1, 1] in [-1, 1], a fixed pattern per step (the example's randn).
torch::Tensor noise_batch(int64_t step) {
  auto t = torch::arange(kBatchSize * kNoiseSize).to(torch::kFloat);
  return torch::sin(t * 1.618 + static_cast<double>(step) * 0.5)
      .reshape({kBatchSize, kNoiseSize, 1, 1});
}

int main() {
  torch::manual_seed(1);
  DCGANGenerator generator(kNoiseSize);
  torch::nn::Sequential discriminator = make_discriminator();
  deterministic_init(*generator, 0.0);
  deterministic_init(*discriminator, 10.0);

  torch::optim::Adam generator_optimizer(
      generator->parameters(), torch::optim::AdamOptions(2e-3).betas(std::make_tuple(0.5, 0.5)));
  torch::optim::Adam discriminator_optimizer(
      discriminator->parameters(),
      torch::optim::AdamOptions(2e-3).betas(std::make_tuple(0.5, 0.5)));

  double first_d_loss = 0, d_loss_last = 0, g_loss_sum = 0, first_gap = 0, gap = 0;
  for (int64_t step = 1; step <= kNumberOfSteps; ++step) {
    // Train the discriminator with real images (labels 0.9: the example's label smoothing
    // draws them from [0.8, 1.0]) and generated ones (labels 0).
    discriminator->zero_grad();
    torch::Tensor real_images = real_batch(step);
    torch::Tensor real_labels = torch::full({kBatchSize}, 0.9);
    torch::Tensor real_output = discriminator->forward(real_images).reshape(real_labels.sizes());
    torch::Tensor d_loss_real = torch::binary_cross_entropy(real_output, real_labels);
    d_loss_real.backward();

    torch::Tensor noise = noise_batch(step);
    torch::Tensor fake_images = generator->forward(noise);
    torch::Tensor fake_labels = torch::zeros({kBatchSize});
    torch::Tensor fake_output =
        discriminator->forward(fake_images.detach()).reshape(fake_labels.sizes());
    torch::Tensor d_loss_fake = torch::binary_cross_entropy(fake_output, fake_labels);
    d_loss_fake.backward();

    torch::Tensor d_loss = d_loss_real + d_loss_fake;
    discriminator_optimizer.step();

    // Train the generator: make the discriminator call its images real.
    generator->zero_grad();
    fake_labels.fill_(1);
    fake_output = discriminator->forward(fake_images).reshape(fake_labels.sizes());
    torch::Tensor g_loss = torch::binary_cross_entropy(fake_output, fake_labels);
    g_loss.backward();
    generator_optimizer.step();

    const double d = d_loss.item<float>(), g = g_loss.item<float>();
    TORCH_CHECK(std::isfinite(d) && std::isfinite(g), "loss is not finite at step ", step);
    // How far the generated images' mean brightness is from the real ones'.
    gap = std::abs(fake_images.mean().item<float>() - real_images.mean().item<float>());
    if (step == 1) {
      first_d_loss = d;
      first_gap = gap;
    }
    g_loss_sum += g;
    d_loss_last = d;
    // Float rounding differs between libraries and a GAN's two players amplify it: LibTorch's
    // and nabla's losses agree to 5 digits for the first five steps (stdout, compared), then
    // drift apart (stderr). By step 10 LibTorch's d_loss already depends on its own thread
    // count and ISA by 0.5% (AMD Zen 5: 0.60903 on 1 thread, 0.60953 on 2 threads capped at
    // AVX2, 0.61236 by default; nabla 0.60953), more than the comparison's 0.2%.
    std::FILE* log = step <= kCompareSteps ? stdout : stderr;
    if (step % kLogInterval == 0 || step == 1) {
      std::fprintf(log, "step %ld d_loss %.5f g_loss %.5f fake_mean %.5f\n",
                   static_cast<long>(step), d, g, fake_images.mean().item<float>());
    }
  }
  torch::NoGradGuard no_grad;
  generator->eval();
  auto sample = generator->forward(noise_batch(0));
  std::printf("sample_shape %ld %ld %ld %ld\n", static_cast<long>(sample.size(0)),
              static_cast<long>(sample.size(1)), static_cast<long>(sample.size(2)),
              static_cast<long>(sample.size(3)));
  std::fprintf(stderr, "mean_g_loss %.5f\nbrightness_gap %.5f (first %.5f)\nsample_mean %.5f\n",
               g_loss_sum / static_cast<double>(kNumberOfSteps), gap, first_gap,
               sample.mean().item<float>());
  // What the two learned: the discriminator tells real from fake better than at first, and
  // the generated images' brightness moved toward the real ones'.
  const bool learned = d_loss_last < 0.7 * first_d_loss && gap < 0.8 * first_gap;
  std::printf("~learned %d\n", learned ? 1 : 0);
  if (!learned) {
    std::printf("FAILED: discriminator loss %.4f (first %.4f), brightness gap %.4f (first %.4f)\n",
                d_loss_last, first_d_loss, gap, first_gap);
    return 1;
  }
  return 0;
}
