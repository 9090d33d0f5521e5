#include "cli/cli.h"

int main(int argc, char** argv) { return retain::cli::Main(argc, argv); }
