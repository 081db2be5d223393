/// How loaded the node is, as one number: the seam between the resources
/// module (which measures CPU, memory and GPU) and everything that adapts to
/// load: degradation levels, the cache's byte budget, the scheduler's
/// deferral of low-priority jobs.
public protocol ResourcePressureSignal: Sendable {
    /// The current pressure from 0 (idle) to 1 (saturated). Cheap to call;
    /// values outside 0…1 are clamped by readers.
    func pressure() -> Double
}
