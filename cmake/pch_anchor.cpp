// Anchor translation unit for the programs' precompiled header (see CMakeLists.txt).
