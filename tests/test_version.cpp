// The version macros, nabla::version() and their agreement.
#include <gtest/gtest.h>

#include <nabla/nabla.h>

#include <string>

TEST(Version, MacrosAndLibraryAgree) {
  const std::string expected = std::to_string(NABLA_VERSION_MAJOR) + "." +
                               std::to_string(NABLA_VERSION_MINOR) + "." +
                               std::to_string(NABLA_VERSION_PATCH);
  EXPECT_EQ(expected, NABLA_VERSION_STRING);
  EXPECT_EQ(std::string(nabla::version()), NABLA_VERSION_STRING);
  EXPECT_EQ(NABLA_VERSION,
            NABLA_VERSION_MAJOR * 10000 + NABLA_VERSION_MINOR * 100 + NABLA_VERSION_PATCH);
}
