// Anchor program for the programs' precompiled header (see CMakeLists.txt); never run.
int main() { return 0; }
