// The camera and the QR decoder: the browser's BarcodeDetector where it reads QR codes, else jsQR
// (vendor/jsQR.js, from npm, served by this site) on canvas frames, about 8 a second.

const FRAME_INTERVAL_MS = 125;
const MAX_FRAME_WIDTH = 800;
const JSQR_URL = "/static/scan/vendor/jsQR.js";

let jsQRLoaded = null;

function loadJsQR() {
  if (!jsQRLoaded) {
    jsQRLoaded = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = JSQR_URL;
      script.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR did not load")));
      script.onerror = () => reject(new Error("jsQR did not load"));
      document.head.append(script);
    });
  }
  return jsQRLoaded;
}

async function barcodeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    return formats.includes("qr_code") ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  } catch {
    return null;
  }
}

// A function reading one frame of `video`: the text of a QR code in it, or null.
async function frameReader(video) {
  const detector = await barcodeDetector();
  if (detector) {
    const read = async () => {
      const found = await detector.detect(video);
      return found.length ? found[0].rawValue : null;
    };
    return { name: "barcode-detector", read };
  }
  const jsQR = await loadJsQR();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const read = async () => {
    const scale = Math.min(1, MAX_FRAME_WIDTH / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return found ? found.data : null;
  };
  return { name: "jsqr", read };
}

// Starts the back camera into `video` and calls onText(text) for each code read (the caller
// debounces). Returns {decoder, stop()}; throws when there is no camera or it is refused.
export async function startCamera(video, onText) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  await video.play();
  let reader;
  try {
    reader = await frameReader(video);
  } catch (error) {
    stream.getTracks().forEach((track) => track.stop());
    throw error;
  }
  let running = true;
  let timer = null;
  const tick = async () => {
    if (!running) return;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      try {
        const text = await reader.read();
        if (text && running) onText(text);
      } catch {
        // A frame that cannot be read (a camera hiccup): the next one will do.
      }
    }
    if (running) timer = setTimeout(tick, FRAME_INTERVAL_MS);
  };
  tick();
  return {
    decoder: reader.name,
    stop() {
      running = false;
      clearTimeout(timer);
      stream.getTracks().forEach((track) => track.stop());
      video.srcObject = null;
    },
  };
}
