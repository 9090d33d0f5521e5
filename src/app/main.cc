#include "app/services.h"
#include "cli/cli.h"

int main(int argc, char** argv) {
  return retain::cli::Main(argc, argv, retain::app::MakeServices());
}
