package b10.transfer.probe;

/** A driver call failed or the backend could not be used; the message names the call and its result. */
public class ProbeException extends Exception {
    public ProbeException(String message) {
        super(message);
    }

    public ProbeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Throws when a driver call returned other than CUDA_SUCCESS (0). */
    public static void check(String call, int cuResult) throws ProbeException {
        if (cuResult != 0) {
            throw new ProbeException(describeCall(call, cuResult));
        }
    }

    static String describeCall(String call, int cuResult) {
        return call + " returned CUresult " + cuResult + describe(cuResult);
    }

    private static String describe(int r) {
        switch (r) {
            case 3: return " (CUDA_ERROR_NOT_INITIALIZED)";
            case 34: return " (CUDA_ERROR_STUB_LIBRARY)";
            case 35: return " (CUDA_ERROR_INSUFFICIENT_DRIVER)";
            case 100: return " (CUDA_ERROR_NO_DEVICE)";
            case 101: return " (CUDA_ERROR_INVALID_DEVICE)";
            case 999: return " (CUDA_ERROR_UNKNOWN)";
            default: return "";
        }
    }
}
