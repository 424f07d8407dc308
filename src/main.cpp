#include "cli/app.h"

int main(int argc, char** argv) { return vs::cli::run(argc, argv); }
