// Only the inline wrappers of include/CSystemSupport.h; SwiftPM wants a source file.
