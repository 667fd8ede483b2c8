/**
 * A small generator of realistic customs-invoice goods lines with HS6 labels, for `lading demo` and
 * for unit-test fixtures (the shared datasets are for benchmarks). It imitates what makes the real
 * task hard: packaging counts and sizes mixed into the text, upper case, abbreviations, confusable
 * headings (a motorcycle, its tyres and its parts sit in three chapters), a skewed class
 * distribution with a long tail, and a little label noise.
 */
import { createRandom } from '../core/random.js';

export interface InvoiceLine {
  readonly text: string;
  /** HS6 subheading, e.g. "871120". */
  readonly label: string;
}

interface Product {
  readonly hs: string;
  readonly nouns: readonly string[];
  readonly modifiers: readonly string[];
}

const PRODUCTS: readonly Product[] = [
  { hs: '871120', nouns: ['MOTORCYCLE', 'MOTORBIKE', 'MOTOR CYCLE', 'SCOOTER'], modifiers: ['125CC', '150CC', 'CKD', 'SKD', '110CC 4 STROKE'] },
  { hs: '871410', nouns: ['MOTORCYCLE SPARE PARTS', 'BRAKE SHOE FOR MOTORCYCLE', 'CLUTCH PLATE MOTORCYCLE', 'MOTORCYCLE CHAIN SPROCKET KIT'], modifiers: ['ASSORTED', 'GENUINE', 'OEM'] },
  { hs: '401140', nouns: ['MOTORCYCLE TYRES', 'TYRE FOR MOTORCYCLE', 'MOTORCYCLE TIRE'], modifiers: ['2.75-17', '3.00-18', 'TUBELESS', 'NEW PNEUMATIC'] },
  { hs: '401110', nouns: ['PASSENGER CAR TYRES', 'RADIAL TYRES', 'CAR TIRES'], modifiers: ['195/65R15', '205/55R16', 'NEW PNEUMATIC RUBBER'] },
  { hs: '392410', nouns: ['WATER BOTTLES', 'STORAGE BOWLS', 'CUPS', 'SPOON', 'FOOD CONTAINERS', 'PLATES'], modifiers: ['PLASTIC', 'PP', 'MELAMINE'] },
  { hs: '392690', nouns: ['HANGERS', 'CLIPS', 'ORGANIZER', 'CABLE TIES'], modifiers: ['PLASTIC', 'NYLON', 'PVC'] },
  { hs: '701349', nouns: ['GLASS TUMBLERS', 'DRINKING GLASSES', 'GLASS BOWLS'], modifiers: ['CLEAR', 'TEMPERED', 'SET OF 6'] },
  { hs: '691110', nouns: ['PORCELAIN DINNER SET', 'PORCELAIN PLATES', 'PORCELAIN MUGS'], modifiers: ['WHITE', '24 PCS SET', 'DECORATED'] },
  { hs: '732393', nouns: ['STAINLESS STEEL POTS', 'STAINLESS STEEL KITCHENWARE', 'S/S COOKWARE SET'], modifiers: ['3 PCS', 'WITH LID', '18/10'] },
  { hs: '640299', nouns: ['SLIPPERS', 'SANDALS', 'FLIP FLOPS'], modifiers: ['RUBBER', 'PVC', 'EVA SOLE', 'LADIES', 'MENS'] },
  { hs: '640411', nouns: ['SPORTS SHOES', 'RUNNING SHOES', 'TRAINING SHOES'], modifiers: ['TEXTILE UPPER', 'MESH UPPER RUBBER SOLE'] },
  { hs: '610910', nouns: ['T-SHIRTS', 'T SHIRTS', 'TEE SHIRTS'], modifiers: ['100% COTTON KNITTED', 'COTTON', 'MENS'] },
  { hs: '620342', nouns: ['TROUSERS', 'JEANS', 'PANTS'], modifiers: ['MENS COTTON', 'DENIM', 'WOVEN COTTON'] },
  { hs: '611030', nouns: ['SWEATERS', 'PULLOVERS', 'CARDIGANS'], modifiers: ['KNITTED ACRYLIC', 'SYNTHETIC FIBRE', 'LADIES'] },
  { hs: '850760', nouns: ['LITHIUM ION BATTERIES', 'LI-ION BATTERY PACK', 'RECHARGEABLE LITHIUM BATTERY'], modifiers: ['3.7V', '18650', '12V 100AH'] },
  { hs: '851712', nouns: ['MOBILE PHONES', 'SMART PHONES', 'CELLULAR PHONE'], modifiers: ['4G', '128GB', 'DUAL SIM'] },
  { hs: '847130', nouns: ['LAPTOP COMPUTERS', 'NOTEBOOK COMPUTER', 'PORTABLE COMPUTER'], modifiers: ['14 INCH', 'CORE I5', '8GB RAM'] },
  { hs: '852872', nouns: ['LED TELEVISION', 'LED TV', 'SMART TV'], modifiers: ['32 INCH', '43"', '55 INCH 4K'] },
  { hs: '841510', nouns: ['AIR CONDITIONER', 'SPLIT AIR CONDITIONER', 'WINDOW AC UNIT'], modifiers: ['12000 BTU', '1.5 TON', 'INVERTER'] },
  { hs: '850940', nouns: ['BLENDERS', 'JUICER', 'FOOD PROCESSOR'], modifiers: ['ELECTRIC', '1.5L', '600W'] },
  { hs: '940360', nouns: ['WOODEN FURNITURE', 'WOODEN TABLE', 'WOODEN CABINET'], modifiers: ['MDF', 'SOLID WOOD', 'KNOCK DOWN'] },
  { hs: '940161', nouns: ['SOFA SET', 'UPHOLSTERED CHAIRS', 'ARMCHAIR'], modifiers: ['WOODEN FRAME', 'FABRIC', '3+2+1'] },
  { hs: '950300', nouns: ['TOYS', 'PLASTIC TOYS', 'STUFFED TOYS', 'TOY CARS'], modifiers: ['ASSORTED', 'FOR CHILDREN', 'BATTERY OPERATED'] },
  { hs: '482010', nouns: ['NOTEBOOKS', 'EXERCISE BOOKS', 'DIARIES'], modifiers: ['A4', '80 SHEETS', 'SPIRAL'] },
  { hs: '090240', nouns: ['BLACK TEA', 'CTC BLACK TEA', 'TEA LEAVES'], modifiers: ['FERMENTED', 'IN BULK', '25KG BAGS'] },
  { hs: '210690', nouns: ['FOOD SUPPLEMENT', 'POWDERED DRINK MIX', 'FOOD PREPARATION'], modifiers: ['VANILLA', 'SACHETS', 'INSTANT'] },
  { hs: '330499', nouns: ['FACE CREAM', 'BODY LOTION', 'SKIN CARE CREAM'], modifiers: ['COSMETIC', '50ML', 'WHITENING'] },
  { hs: '340111', nouns: ['TOILET SOAP', 'BEAUTY SOAP', 'BATH SOAP BARS'], modifiers: ['100G', 'HERBAL', 'SCENTED'] },
  { hs: '731815', nouns: ['BOLTS', 'HEX BOLTS', 'SCREWS'], modifiers: ['STEEL', 'GALVANIZED', 'M10'] },
  { hs: '848180', nouns: ['BALL VALVES', 'GATE VALVES', 'WATER TAPS'], modifiers: ['BRASS', 'STAINLESS', '1/2"'] },
];

const PACKAGES = ['CTNS', 'CARTONS', 'PKGS', 'PALLETS', 'BOXES', 'BALES'];

/**
 * What production looks like after the drift (`era: 'after'`): new products sold under known
 * headings, named in words the old training data never had, new packaging vocabulary, and a class
 * mix turned round (the tail of before is the head of after). A model trained before keeps the old
 * products right and gets many new ones wrong; one retrained on corrected labels of after gets both.
 */
const NEW_NOUNS: Readonly<Record<string, readonly string[]>> = {
  '871120': ['E-BIKE', 'ELECTRIC SCOOTER', 'EV MOPED'],
  '871410': ['E-BIKE CONTROLLER', 'HUB MOTOR KIT FOR E-SCOOTER'],
  '850760': ['POWER BANK', 'LIFEPO4 CELLS', 'E-BIKE BATTERY'],
  '851712': ['FOLDABLE SMARTPHONE', '5G HANDSET', 'RUGGED PHONE'],
  '847130': ['CHROMEBOOK', 'ULTRABOOK', '2-IN-1 TABLET PC'],
  '852872': ['OLED TV', 'QLED PANEL TV', 'ANDROID TV BOX DISPLAY'],
  '850940': ['AIR FRYER', 'SOUP MAKER', 'COLD PRESS JUICER'],
  '392410': ['BENTO BOXES', 'SILICONE LIDS', 'TRITAN TUMBLERS'],
  '610910': ['OVERSIZED TEES', 'GRAPHIC TEES', 'POLO TEE'],
  '640411': ['SNEAKERS', 'TRAIL RUNNERS', 'KNIT SNEAKERS'],
  '330499': ['SERUM', 'SUNSCREEN SPF50', 'SHEET MASKS'],
  '950300': ['FIDGET TOYS', 'STEM ROBOT KITS', 'PLUSH COLLECTIBLES'],
  '940161': ['RECLINER', 'SECTIONAL SOFA', 'BEAN BAG CHAIR'],
  '841510': ['HEAT PUMP AC', 'PORTABLE AC', 'DUCTLESS MINI SPLIT'],
};
const NEW_PACKAGES = ['IBC TOTES', 'JUMBO BAGS', 'CRATES', 'SKIDS', 'DRUMS'];
const UNITS = ['PCS', 'SETS', 'PAIRS', 'UNITS', 'DOZ'];

export interface InvoiceOptions {
  readonly rows: number;
  readonly seed: number;
  /** Share of rows whose label is replaced by another class's (real data is noisy). */
  readonly labelNoise?: number;
  /** Use only the first N product classes (small fixtures). */
  readonly classes?: number;
  /** `after`: production after the drift (new products and packaging words, the class mix turned round). Default `before`. */
  readonly era?: 'before' | 'after';
}

export function generateInvoiceLines(options: InvoiceOptions): InvoiceLine[] {
  const r = createRandom(options.seed);
  const random = r.next;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const products = PRODUCTS.slice(0, Math.max(2, Math.min(options.classes ?? PRODUCTS.length, PRODUCTS.length)));
  // Zipf-like skew: class k has weight 1/(k+1)^0.9, so the head dominates and the tail is thin.
  const after = options.era === 'after';
  const weights = products.map((_, k) => 1 / Math.pow((after ? products.length - k : k + 1), 0.9));
  const packages = after ? [...PACKAGES.slice(0, 2), ...NEW_PACKAGES] : PACKAGES;
  const total = weights.reduce((a, b) => a + b, 0);
  const chooseProduct = (): Product => {
    let r = random() * total;
    for (let k = 0; k < products.length; k++) {
      r -= weights[k]!;
      if (r <= 0) return products[k]!;
    }
    return products[products.length - 1]!;
  };
  const out: InvoiceLine[] = [];
  for (let i = 0; i < options.rows; i++) {
    const p = chooseProduct();
    const fresh = after ? NEW_NOUNS[p.hs] : undefined;
    // After the drift two lines in three of a class with new products name one of them.
    const noun = fresh !== undefined && random() < 2 / 3 ? pick(fresh) : pick(p.nouns);
    const mod = pick(p.modifiers);
    const qty = 1 + Math.floor(random() * 400);
    const pcs = 6 * (1 + Math.floor(random() * 40));
    let text: string;
    // Case 5 keeps only the packaging and a modifier ("200 CTNS PLASTIC"): as on real invoices, some
    // lines do not say enough, and modifiers like PLASTIC or COTTON are shared between headings.
    switch (Math.floor(random() * 6)) {
      case 0: text = `${qty} ${pick(packages)} X ${pcs} ${pick(UNITS)} ${mod} ${noun}`; break;
      case 1: text = `${mod} ${noun}`; break;
      case 2: text = `${noun} ${mod} - ${pcs} ${pick(UNITS)}`; break;
      case 3: text = `${noun}, ${mod.toLowerCase()} (${qty} ${pick(packages)})`; break;
      case 5: text = `${qty} ${pick(packages)} ${mod}`; break;
      default: text = `${qty} ${pick(packages)} ${noun} MODEL ${String.fromCharCode(65 + Math.floor(random() * 26))}${100 + Math.floor(random() * 900)}`;
    }
    let label = p.hs;
    if (random() < (options.labelNoise ?? 0.02)) label = pick(products).hs;
    out.push({ text, label });
  }
  return out;
}

/** RFC 4180 CSV with a header `text,label,label_4,label_2`. */
export function invoiceLinesToCsv(lines: readonly InvoiceLine[]): string {
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = lines.map((l) => `${q(l.text)},${l.label},${l.label.slice(0, 4)},${l.label.slice(0, 2)}`);
  return `text,label,label_4,label_2\n${rows.join('\n')}\n`;
}
