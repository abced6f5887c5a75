// Money and small helpers shared by the product screens.
export function yuan(fen: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency: "CNY", maximumFractionDigits: fen % 100 === 0 ? 0 : 2 }).format(
    fen / 100,
  );
}

/** City centres for the store finder. */
export const CITIES: { zh: string; en: string; lat: number; lon: number }[] = [
  { zh: "上海", en: "Shanghai", lat: 31.2304, lon: 121.4737 },
  { zh: "北京", en: "Beijing", lat: 39.9042, lon: 116.4074 },
  { zh: "深圳", en: "Shenzhen", lat: 22.5431, lon: 114.0579 },
  { zh: "广州", en: "Guangzhou", lat: 23.1291, lon: 113.2644 },
  { zh: "杭州", en: "Hangzhou", lat: 30.2741, lon: 120.1551 },
  { zh: "成都", en: "Chengdu", lat: 30.5728, lon: 104.0668 },
  { zh: "武汉", en: "Wuhan", lat: 30.5928, lon: 114.3055 },
  { zh: "南京", en: "Nanjing", lat: 32.0603, lon: 118.7969 },
];
