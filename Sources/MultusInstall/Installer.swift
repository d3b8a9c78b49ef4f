import CNISpec
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The thin entrypoint's work: put the binary on the host, write the kubeconfig
/// and the multus config, keep them current, and (when asked) take them away
/// again on exit.
///
/// Order matters to pods being created meanwhile: the binary, then the
/// kubeconfig, and only then the config that makes the runtime call multus-swift.
/// Used from one thread; `StopFlag` is the only thing shared.
package final class Installer {
    package let options: InstallOptions
    package let log: InstallLog
    /// What the watch loop sleeps on; tests pass a clock that needs no waiting.
    package let time: any TimeSource
    /// Everything written so far, for `cleanup()`.
    package private(set) var written = WrittenFiles()

    private var kubeconfig: KubeconfigWriter?
    private var configWritten = false
    private var configProblem: String?
    private var kubeconfigProblem: String?

    package init(options: InstallOptions, log: InstallLog = .standard, time: any TimeSource = SystemTime()) {
        self.options = options
        self.log = log
        self.time = time
    }

    /// The steps that must work for the pod to be of any use. A failure ends
    /// the pod, so that kubelet restarts it and the error shows. A primary
    /// config that is missing or broken is not such a failure: it is retried.
    package func start() throws(InstallError) {
        try options.validate()
        guard FileSystem.isDirectory(options.cniConfDir) else {
            throw .io("CNI config directory \(options.cniConfDir) does not exist (is the host's /etc/cni/net.d mounted?)")
        }
        if !options.skipMultusBinaryCopy {
            let source = options.binarySource()
            let target = Paths.join(options.cniBinDir, options.binaryName)
            if try BinaryInstaller.install(source: source, directory: options.cniBinDir, name: options.binaryName) {
                log.info("installed \(source) as \(target)")
            } else {
                log.info("\(target) is already this binary")
            }
        }
        if !options.isAutoConfig && !FileSystem.exists(options.multusConfFile) {
            throw .io("--multus-conf-file \(options.multusConfFile) does not exist")
        }
        // Go creates it (its default is a path inside this container); nothing reads it.
        if !options.multusCNIConfDir.isEmpty {
            do { try FileSystem.makeDirectories(options.multusCNIConfDir, mode: 0o755) } catch {
                log.error("cannot create multus-cni-conf-dir(\(options.multusCNIConfDir)) directory: \(error.description)")
            }
        }
        if let server = options.apiServer {
            let writer = KubeconfigWriter(options: options, apiServer: server)
            // A given config may not need a kubeconfig; one generated here always refers to it.
            if options.isAutoConfig || FileSystem.exists(writer.serviceAccountToken) {
                kubeconfig = writer
                for path in try writer.sync(into: &written) { log.info("wrote \(path)") }
            }
        } else if options.isAutoConfig {
            throw .invalidOption("KUBERNETES_SERVICE_HOST is not set, so the kubeconfig cannot name the API server")
        }
        reconcileConfig()
    }

    /// One round of the watch loop; true when it wrote anything.
    @discardableResult
    package func poll() -> Bool {
        var changed = false
        if let kubeconfig {
            do {
                let wrote = try kubeconfig.sync(into: &written)
                for path in wrote {
                    log.info(path == kubeconfig.tokenPath ? "service account token changed: rewrote \(path)"
                                                          : "CA changed: rewrote \(path)")
                }
                changed = !wrote.isEmpty
                kubeconfigProblem = nil
            } catch {
                if kubeconfigProblem != error.description { log.error("kubeconfig: \(error)") }
                kubeconfigProblem = error.description
            }
        }
        if !options.skipConfigWatch || !configWritten {
            changed = reconcileConfig() || changed
        }
        return changed
    }

    /// Removes what this installer wrote; never the binary.
    @discardableResult
    package func cleanup() -> [String] { Cleanup.run(written, log: log) }

    /// `start()`, then `poll()` every `pollInterval` until `stop`, then, when
    /// `cleanupConfigOnExit`, `cleanup()`.
    package func run(until stop: StopFlag) throws(InstallError) {
        do { try start() } catch {
            log.error(error.description)
            throw error
        }
        log.info(options.skipConfigWatch
                 ? "keeping the kubeconfig current; the multus config is not watched (--skip-config-watch)"
                 : "watching \(options.isAutoConfig ? options.autoconfigDir : options.multusConfFile) and the service account")
        while !stop.sleep(options.pollInterval, on: time) { poll() }
        if options.cleanupConfigOnExit {
            log.info("stopping: removing the multus config and kubeconfig (the binary stays)")
            cleanup()
        } else {
            log.info("stopping: leaving the multus config in place (--cleanup-config-on-exit=false)")
        }
    }

    /// Writes the multus config when what belongs on disk differs from what is
    /// there, which covers a changed primary, a new primary file, and our file
    /// having been deleted or edited by someone else.
    @discardableResult
    func reconcileConfig() -> Bool {
        do throws(InstallError) {
            let path: String, bytes: [UInt8]
            var primary: PrimaryConfig? = nil
            var sibling: String? = nil
            var warnings: [String] = []
            if options.isAutoConfig {
                guard let found = try PrimaryConfigPicker.pick(directory: options.autoconfigDir,
                                                               fileName: options.multusMasterCNIFileName) else {
                    let what = options.multusMasterCNIFileName.map { "\($0) in \(options.autoconfigDir)" }
                        ?? "primary CNI config in \(options.autoconfigDir)"
                    report(configWritten
                           ? "no \(what) any more; keeping the multus config as it is until one appears"
                           : "no \(what) yet; waiting for the node's network plugin to write one",
                           asError: false)
                    return false
                }
                primary = found
                let generated = try MultusConfigGenerator.generate(primary: found, options: options)
                path = Paths.join(options.cniConfDir, generated.fileName)
                bytes = generated.bytes
                warnings = generated.warnings
                sibling = Paths.join(options.cniConfDir, generated.fileName == MultusConfigGenerator.confName
                                      ? MultusConfigGenerator.conflistName : MultusConfigGenerator.confName)
            } else {
                let read: [UInt8]?
                do { read = try FileSystem.read(options.multusConfFile) } catch { throw InstallError.from(error) }
                guard let read else { throw InstallError.io("--multus-conf-file \(options.multusConfFile) does not exist") }
                path = Paths.join(options.cniConfDir, PrimaryConfig.baseName(options.multusConfFile))
                bytes = read
            }

            var changed = false
            let current: [UInt8]?
            do { current = try FileSystem.read(path) } catch { throw InstallError.from(error) }
            if current != bytes {
                do { try FileSystem.writeAtomically(path, bytes, mode: 0o600) } catch { throw InstallError.from(error) }
                let source = primary.map { " around \($0.path) (cniVersion \($0.cniVersion))" } ?? " from \(options.multusConfFile)"
                log.info("\(configWritten ? "config changed: rewrote" : "wrote") \(path)\(source)")
                for warning in warnings { log.warning(warning) }
                changed = true
            }
            written.record(path, bytes)
            // 00-multus.conf sorts before 00-multus.conflist: a stale one (ours after a
            // version change, or an old Multus's) would keep winning.
            if let sibling, FileSystem.exists(sibling) {
                do { try FileSystem.remove(sibling) } catch { throw InstallError.from(error) }
                written.forget(sibling)
                log.info("removed \(sibling), superseded by \(path)")
                changed = true
            }
            if options.renameConfFile, let primary {
                let renamed = primary.path + ".old"
                guard rename(primary.path, renamed) == 0 else {
                    throw InstallError.io("cannot rename \(primary.path) to \(renamed): \(Errno.text())")
                }
                written.recordRename(from: primary.path, to: renamed)
                log.info("moved the primary config \(primary.path) to \(renamed) (--rename-conf-file)")
            }
            configWritten = true
            configProblem = nil
            return changed
        } catch {
            report(error.description)
            return false
        }
    }

    /// Logs a problem of the config step once, not every second.
    private func report(_ problem: String, asError: Bool = true) {
        if problem != configProblem { asError ? log.error(problem) : log.info(problem) }
        configProblem = problem
    }
}

extension PrimaryConfig {
    static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
